import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { buildApp, type App } from '../../src/app.js'
import { defaultConfig, type Config } from '../../src/config.js'
import { rowsOf } from '../../src/db/client.js'

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

/**
 * The real app on a real database of its own: in-memory PGlite by default, a fresh PostgreSQL
 * database when TEST_DATABASE_URL is set. One per test file; closed when the file ends.
 */
export async function testApp (t: Teardown, overrides: Partial<Config> = {}): Promise<App> {
  const adminUrl = process.env.TEST_DATABASE_URL
  const database: Partial<Config> = adminUrl
    ? { DATABASE_URL: await freshPostgresDatabase(t, adminUrl) }
    : { DATA_DIR: 'memory://' }
  const app = await buildApp({ config: defaultConfig({ DEMO_DATA: false, LOG_LEVEL: 'silent', ...database, ...overrides }), logger: false })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

const tables = ['agencies', 'enterprises', 'enterprise_status_changes', 'idempotency_records'] as const

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
