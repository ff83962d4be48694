import { makePgliteTemplate } from '../db/pglite-template.js'

// Run by `npm ci` (prepare), after the build: see src/db/pglite-template.ts.
const file = await makePgliteTemplate()
console.log(`PGlite template ${file}`)
