import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp, type App } from '../app.js'
import { defaultConfig } from '../config.js'
import { projectRoot } from '../paths.js'

export const openapiPath = join(projectRoot, 'openapi', 'openapi.json')

/** The document as committed: generated from the route schemas, stable key order, newline at the end. */
export function renderOpenapi (app: App): string {
  return JSON.stringify(app.swagger(), null, 2) + '\n'
}

// `npm run openapi`: regenerate openapi/openapi.json from an app on a throw-away in-memory database.
if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await buildApp({ config: defaultConfig({ DATA_DIR: 'memory://', DEMO_DATA: false }), logger: false })
  await app.ready()
  writeFileSync(openapiPath, renderOpenapi(app))
  await app.close()
  console.log(`wrote ${openapiPath}`)
}
