import fp from 'fastify-plugin'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { seedRuns } from '../db/system-tables.js'
import { seedsDir } from '../paths.js'
import { createAgency } from '../modules/agencies/service.js'
import type { CreateAgency } from '../modules/agencies/schemas.js'
import { changeEnterpriseStatus, registerEnterprise } from '../modules/enterprises/service.js'
import type { CreateEnterprise } from '../modules/enterprises/schemas.js'
import type { EnterpriseStatus } from '../modules/enterprises/status.js'

const demoSeed = 'demo-2026-11'

interface DemoEnterprise extends CreateEnterprise {
  statusChanges?: Array<{ status: EnterpriseStatus, reason: string }>
}

function readSeed<T> (file: string): T {
  return JSON.parse(readFileSync(join(seedsDir, file), 'utf8')) as T
}

/**
 * Loads seeds/ on first start only, through the same services the API uses, so demo data obeys
 * every rule; the marker row commits with the data, so a restart neither duplicates nor loses it.
 */
export default fp(async function demoData (app) {
  const { agencies } = readSeed<{ agencies: CreateAgency[] }>('agencies.json')
  const { enterprises } = readSeed<{ enterprises: DemoEnterprise[] }>('enterprises.json')
  const loaded = await app.db.transaction(async (tx) => {
    const [first] = await tx.insert(seedRuns).values({ name: demoSeed }).onConflictDoNothing().returning()
    if (!first) return false
    const context = { jurisdictions: app.jurisdictions, requestId: `seed:${demoSeed}` }
    for (const agency of agencies) await createAgency(tx, agency, app.jurisdictions)
    for (const { statusChanges = [], ...enterprise } of enterprises) {
      const created = await registerEnterprise(tx, enterprise, context)
      for (const change of statusChanges) await changeEnterpriseStatus(tx, created.id, '*', change, context)
    }
    return true
  })
  if (loaded) app.log.info({ agencies: agencies.length, enterprises: enterprises.length }, 'demo data loaded from seeds/')
}, { name: 'demo-data', fastify: '5.x', dependencies: ['jurisdiction-registry'] })
