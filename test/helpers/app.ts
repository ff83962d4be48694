import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { buildApp, loggerOptions, type App } from '../../src/app.js'
import { defaultConfig, type Config } from '../../src/config.js'
import { rowsOf } from '../../src/db/client.js'
import { ContractValidator } from './contract.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/** A fresh, empty PostgreSQL database for one test file, dropped when the file ends. */
export async function freshPostgresDatabase (t: Teardown, adminUrl: string): Promise<string> {
  const name = `poa_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  t.teardown(async () => {
    const cleanup = new pg.Client({ connectionString: adminUrl })
    await cleanup.connect()
    await cleanup.query(`drop database if exists ${name} with (force)`)
    await cleanup.end()
  })
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** An Ed25519 private key, PKCS#8 PEM, as an operator gives it in AUDIT_SIGNING_KEY. */
export const auditSigningKey = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

/**
 * The real app on a real database of its own: in-memory PGlite by default, a fresh PostgreSQL
 * database when TEST_DATABASE_URL is set. One per test file; closed when the file ends.
 */
export async function testApp (t: Teardown, overrides: Partial<Config> = {}, extend?: (app: App) => void, log?: Writable): Promise<App> {
  const adminUrl = process.env.TEST_DATABASE_URL
  const database: Partial<Config> = adminUrl
    ? { DATABASE_URL: await freshPostgresDatabase(t, adminUrl), PERSONAL_DATA_KEY: randomBytes(32).toString('base64url'), AUDIT_SIGNING_KEY: auditSigningKey(), DATA_DIR: 'memory://' }
    : { DATA_DIR: 'memory://' }
  const config = defaultConfig({ DEMO_DATA: false, LOG_LEVEL: log ? 'info' : 'silent', ...database, ...overrides })
  const app = await buildApp({ config, logger: log ? { ...(loggerOptions(config) as object), stream: log } : false })
  configs.set(app, config)
  t.teardown(() => app.close())
  extend?.(app)
  // Every answer any test provokes is held to the committed OpenAPI document.
  const violations = contract().watch(app)
  watched.set(app, violations)
  t.teardown(() => {
    if (violations.length > 0) throw new Error(`answers that break the OpenAPI document:\n${[...new Set(violations)].join('\n')}`)
  })
  await app.ready()
  return app
}

const watched = new WeakMap<App, string[]>()
/** What the answers of a test app broke of the document, so far. */
export const contractViolations = (app: App) => [...new Set(watched.get(app) ?? [])]

let shared: ContractValidator | undefined
/** The document's validator, compiled once per test file. */
export const contract = () => (shared ??= new ContractValidator())
/** A test app whose log lines (as the service writes them, at info) are kept, parsed, in `log`. */
export async function loggedTestApp (t: Teardown, overrides: Partial<Config> = {}): Promise<{ app: App, log: Array<Record<string, unknown>> }> {
  const log: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _encoding, done) { log.push(JSON.parse(String(chunk))); done() } })
  return { app: await testApp(t, overrides, undefined, stream), log }
}

const configs = new WeakMap<App, Config>()

/** The configuration a test app was built with. */
export const configOf = (app: App): Config => configs.get(app)!

/**
 * Another instance of the service on the same database: a second replica on PostgreSQL, or the
 * same service restarted on a PGlite data folder (after the first has closed).
 */
export async function anotherInstance (t: Teardown, app: App): Promise<App> {
  const config = configs.get(app)!
  if (!config.DATABASE_URL && config.DATA_DIR === 'memory://') throw new Error('an in-memory database has no other instance')
  const replica = await buildApp({ config, logger: false })
  t.teardown(() => replica.close())
  await replica.ready()
  return replica
}

/**
 * Blocks every query on the enterprises table until release(), so a request can be caught in
 * flight: on PostgreSQL another session locks the table; on PGlite (one session) a transaction
 * holds the database.
 */
export async function holdEnterprises (app: App): Promise<() => Promise<void>> {
  const url = configs.get(app)?.DATABASE_URL
  if (url) {
    const holder = new pg.Client({ connectionString: url })
    await holder.connect()
    await holder.query('begin')
    await holder.query('lock table enterprises in access exclusive mode')
    return async () => { await holder.query('rollback'); await holder.end() }
  }
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let started!: () => void
  const begun = new Promise<void>((resolve) => { started = resolve })
  const held = app.db.transaction(async () => { started(); await gate })
  await begun
  return async () => { release(); await held }
}

const tables = ['agencies', 'enterprises', 'enterprise_status_changes', 'idempotency_records', 'api_keys', 'audit_events', 'licences', 'licence_transitions', 'imports', 'import_errors', 'roster_vehicles', 'roster_drivers', 'roster_changes', 'orders', 'order_compliance_daily'] as const

/** Row counts of every table a request can write, to prove a refused request wrote nothing. */
export async function tableCounts (app: App): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of tables) {
    const [row] = rowsOf<{ n: number }>(await app.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))
    counts[table] = row!.n
  }
  return counts
}

export const json = (body: unknown) => ({ 'content-type': 'application/json', payload: JSON.stringify(body) })
