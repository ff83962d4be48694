import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { sql, type Placeholder } from 'drizzle-orm'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import pg from 'pg'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import { OperatorError } from '../lib/operator-error.js'
import { migrationsDir } from '../paths.js'
import { startFromTemplate, templateArchive } from './pglite-template.js'
import { withCompiledRows } from './rows.js'
import * as schema from './schema.js'

/** The one handle type every service takes: node-postgres, PGlite, or a transaction of either. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>

export interface DatabaseHandle {
  db: Database
  kind: 'postgresql' | 'pglite'
  /** Where it is, for the start-up log (no credentials). */
  location: string
  migrate: () => Promise<void>
  /** True when the database answers and every migration in migrations/ is applied. */
  ready: (timeoutMs: number) => Promise<boolean>
  close: () => Promise<void>
  pool?: pg.Pool
}

const migrationLockId = 726_2001

export function rowsOf<T> (result: unknown): T[] {
  return (result as { rows: T[] }).rows
}

function expectedMigrations (): number {
  const journal = JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
  return journal.entries.length
}

function withTimeout<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function readinessCheck (db: Database, expected: number) {
  return async (timeoutMs: number) => {
    try {
      const result = await withTimeout(db.execute(sql`select count(*)::int as applied from drizzle.__drizzle_migrations`), timeoutMs)
      return (rowsOf<{ applied: number }>(result)[0]?.applied ?? 0) >= expected
    } catch {
      return false
    }
  }
}

function redactUrl (url: string): string {
  try {
    const parsed = new URL(url)
    parsed.password = ''
    return `${parsed.protocol}//${parsed.username ? parsed.username + '@' : ''}${parsed.host}${parsed.pathname}`
  } catch {
    return 'postgresql (unparsable URL)'
  }
}

/** Why the first connection failed, as the operator fixes it: the server's own words and what to change. */
function unreachable (location: string, err: unknown): OperatorError {
  const { code, message } = err as { code?: string, message?: string }
  const fix = code === '3D000'
    ? 'create that database, or name another in DATABASE_URL'
    : code === '28P01' || code === '28000'
      ? 'fix the user or password in DATABASE_URL'
      : 'start PostgreSQL, or fix the host and port in DATABASE_URL'
  return new OperatorError(`Cannot connect to PostgreSQL at ${location} (${message || code || 'no answer'}): ${fix}`, { cause: err })
}

export function connectPostgres (config: Config, log: FastifyBaseLogger): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_MAX,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    // statement_timeout bounds the server's work, query_timeout the wait for a hung server.
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 1000,
    idle_in_transaction_session_timeout: config.DB_STATEMENT_TIMEOUT_MS * 2,
    keepAlive: true,
    application_name: 'platform-oversight-api'
  })
  // No JIT: its compilation cost 0.6 s a statement whenever the planner's estimate passed
  // jit_above_cost (a batch of orders judged against the register), on statements that run in
  // milliseconds; this service's statements are all short. Set per session rather than as a
  // startup option, which a pooler such as PgBouncer refuses; an import's batch sets it again.
  pool.on('connect', (client) => {
    client.query('set jit = off').catch((err: unknown) => log.warn({ err }, 'could not turn JIT off on a new connection'))
  })
  // A connection dropped while idle (database restart) must not take the process down.
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost'))
  const db = drizzlePg({ client: pool, schema }) as unknown as Database
  return {
    db,
    kind: 'postgresql',
    location: redactUrl(config.DATABASE_URL!),
    pool,
    async migrate () {
      const client = await pool.connect().catch((err: unknown) => { throw unreachable(redactUrl(config.DATABASE_URL!), err) })
      try {
        // Replicas starting together migrate one at a time.
        await client.query('select pg_advisory_lock($1)', [migrationLockId])
        await migratePg(drizzlePg({ client, schema }), { migrationsFolder: migrationsDir })
      } finally {
        await client.query('select pg_advisory_unlock($1)', [migrationLockId]).catch(() => {})
        client.release()
      }
    },
    ready: readinessCheck(db, expectedMigrations()),
    close: () => pool.end()
  }
}

/**
 * PGlite is one process's database: a second process opening the same folder (the keys command
 * while the server runs) corrupts it. A lock file with the holder's pid keeps the second one out;
 * one left by a process that died is taken over.
 */
function lockFolder (folder: string): () => void {
  const file = join(folder, '..', 'pglite.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' })
      return () => { try { unlinkSync(file) } catch {} }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = Number(readFileSync(file, 'utf8'))
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new OperatorError(`The embedded database in ${folder} is open in process ${holder}: stop that process first (npm run keys needs the server stopped), or run both on PostgreSQL with DATABASE_URL`)
      }
      unlinkSync(file)
    }
  }
  throw new Error(`Could not lock the embedded database in ${folder}`)
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function openPglite (config: Config): DatabaseHandle {
  const inMemory = config.DATA_DIR === 'memory://'
  // The database in its own folder under DATA_DIR, so files the service writes beside it stay apart.
  const folder = join(config.DATA_DIR, 'pglite')
  if (!inMemory) mkdirSync(folder, { recursive: true })
  const unlock = inMemory ? () => {} : lockFolder(folder)
  if (!inMemory) startFromTemplate(folder)
  const template = inMemory ? templateArchive() : undefined
  const client = new PGlite(inMemory ? { ...(template ? { loadDataDir: template } : {}) } : { dataDir: folder })
  const db = drizzlePglite({ client, schema }) as unknown as Database
  return {
    db,
    kind: 'pglite',
    location: inMemory ? 'memory' : folder,
    migrate: async () => { await migratePglite(drizzlePglite({ client, schema }), { migrationsFolder: migrationsDir }) },
    ready: readinessCheck(db, expectedMigrations()),
    close: () => client.close().finally(unlock)
  }
}

export function openDatabase (config: Config, log: FastifyBaseLogger): DatabaseHandle {
  return config.DATABASE_URL ? connectPostgres(config, log) : openPglite(config)
}

const preparedStatements = new WeakMap<Database, Map<string, unknown>>()

/**
 * A statement prepared once per database handle under `name` (PostgreSQL parses it once per
 * connection), its rows mapped by a mapper compiled for its columns: for the hottest reads.
 */
export function preparedOnce<T> (db: Database, name: string, prepare: (db: Database, name: string) => T): T {
  let byName = preparedStatements.get(db)
  if (!byName) preparedStatements.set(db, byName = new Map())
  let statement = byName.get(name) as T | undefined
  if (!statement) byName.set(name, statement = withCompiledRows(prepare(db, name)))
  return statement
}

/** Puts a value in a statement as a named placeholder, so the statement can be prepared once for every value. */
export type Bind = <T>(name: string, value: T) => T | Placeholder

/**
 * A list query whose filters vary: each combination (its shape: the caller's role and the names of
 * the values bound) is one statement, built and prepared once per handle and then only executed.
 * Building the SQL anew for every page cost more than running it. `build` gets `bind` for every
 * value, and must bind the same names whenever it builds the same SQL.
 */
export function preparedShape<T extends { execute: (values: Record<string, unknown>) => Promise<unknown> }> (
  db: Database, list: string, role: string, build: (bind: Bind) => (db: Database, name: string) => T
): { execute: () => ReturnType<T['execute']> } {
  const values: Record<string, unknown> = {}
  const prepare = build(<T>(name: string, value: T): T | Placeholder => { values[name] = value; return sql.placeholder(name) })
  // PostgreSQL cuts statement names at 63 bytes, which would merge shapes: the shape is named by its hash.
  const shape = createHash('sha256').update(`${role}:${Object.keys(values).join(',')}`).digest('hex').slice(0, 24)
  const statement = preparedOnce(db, `${list}_${shape}`, prepare)
  return { execute: () => statement.execute(values) as ReturnType<T['execute']> }
}
