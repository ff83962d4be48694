import fp from 'fastify-plugin'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config.js'
import { seedRuns } from '../db/system-tables.js'
import { installationFile, seedsDir } from '../paths.js'
import { systemPrincipal } from '../auth/principal.js'
import { createAgency } from '../modules/agencies/service.js'
import type { CreateAgency } from '../modules/agencies/schemas.js'
import { issueApiKey } from '../modules/api-keys/service.js'
import { audited } from '../modules/audit/trail.js'
import { changeEnterpriseStatus, registerEnterprise } from '../modules/enterprises/service.js'
import type { CreateEnterprise } from '../modules/enterprises/schemas.js'
import type { EnterpriseStatus } from '../modules/enterprises/status.js'
import { seedCompliance } from './compliance.js'
import { seedLicences } from './licences.js'

const demoSeed = 'demo-2026-11'
/**
 * Where the demo keys are written: DATA_DIR/demo-keys.json for the embedded database, and a file
 * named after the PostgreSQL database otherwise, so two installations never overwrite each other's.
 */
export function demoKeysPath (config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'>): string | undefined {
  return installationFile(config, 'demo-keys', 'json')
}

interface DemoEnterprise extends CreateEnterprise {
  statusChanges?: Array<{ status: EnterpriseStatus, reason: string }>
}

function readSeed<T> (file: string): T {
  return JSON.parse(readFileSync(join(seedsDir, file), 'utf8')) as T
}

const cityTransportBureaus = ['440100', '350200', '320600', '500000']

/**
 * Loads seeds/ on first start only, through the same services the API uses, so demo data obeys
 * every rule and is in the audit trail; the marker row commits with the data, so a restart
 * neither duplicates nor loses it. Also issues demo keys (a transport bureau per city, a
 * platform, an admin) and writes them to demoKeysPath() for Swagger UI's Authorize.
 */
export default fp<{ config: Config }>(async function demoData (app, { config }) {
  const { agencies } = readSeed<{ agencies: CreateAgency[] }>('agencies.json')
  const { enterprises } = readSeed<{ enterprises: DemoEnterprise[] }>('enterprises.json')
  const seeder = systemPrincipal('demo seed')
  const seeded = await audited(app.db, seeder, `seed:${demoSeed}`, async (tx, audit) => {
    const [first] = await tx.insert(seedRuns).values({ name: demoSeed }).onConflictDoNothing().returning()
    if (!first) return undefined
    const context = { jurisdictions: app.jurisdictions, requestId: `seed:${demoSeed}`, principal: seeder, audit }
    const createdAgencies = []
    for (const agency of agencies) createdAgencies.push(await createAgency(tx, agency, app.jurisdictions, audit))
    const createdEnterprises = []
    for (const { statusChanges = [], ...enterprise } of enterprises) {
      const created = await registerEnterprise(tx, enterprise, context)
      for (const change of statusChanges) await changeEnterpriseStatus(tx, created.id, '*', change, context)
      createdEnterprises.push(created)
    }
    const register = await seedLicences(tx, createdAgencies, createdEnterprises, { ...context, hashId: app.hashPersonal })
    const compliance = await seedCompliance(tx, createdEnterprises, register.certificates, app.jurisdictions, app.hashPersonal, app.log)
    const issued = []
    for (const code of cityTransportBureaus) {
      const bureau = createdAgencies.find((a) => a.kind === 'transport' && a.jurisdictionCode === code)!
      const key = await issueApiKey(tx, { role: 'regulator', agencyId: bureau.id, label: `demo: ${bureau.nameEn ?? bureau.nameZh}` }, seeder, audit)
      issued.push({ role: 'regulator', holder: bureau.nameZh, jurisdictionCode: code, key: key.key })
    }
    const platform = createdEnterprises.find((e) => e.status === 'active')!
    const platformKey = await issueApiKey(tx, { role: 'platform', enterpriseId: platform.id, label: `demo: ${platform.nameZh}` }, seeder, audit)
    issued.push({ role: 'platform', holder: platform.nameZh, enterpriseId: platform.id, key: platformKey.key })
    const adminKey = await issueApiKey(tx, { role: 'admin', label: 'demo: administrator' }, seeder, audit)
    issued.push({ role: 'admin', holder: 'administrator', key: adminKey.key })
    return { issued, licences: register.count, ...compliance }
  })
  if (!seeded) return
  const { issued: keys, licences, rosterEntries, orders, complaints } = seeded
  app.log.info({ agencies: agencies.length, enterprises: enterprises.length, licences, rosterEntries, orders, complaints }, 'demo data loaded from seeds/')
  const file = demoKeysPath(config)
  if (!file) return
  mkdirSync(config.DATA_DIR, { recursive: true })
  writeFileSync(file, JSON.stringify({
    howTo: 'Open /docs, press Authorize, paste one key. Each key is shown only here; the database keeps only hashes.',
    keys
  }, null, 2) + '\n', { mode: 0o600 })
  app.log.info({ file }, `demo API keys written to ${file}: paste one into Swagger UI's Authorize at /docs`)
}, { name: 'demo-data', fastify: '5.x', dependencies: ['jurisdiction-registry'] })
