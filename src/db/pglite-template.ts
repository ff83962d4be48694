import { createHash } from 'node:crypto'
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { migrationsDir, projectRoot } from '../paths.js'

// A new embedded database as it is after initdb and every migration, made once at install (`npm ci`
// runs prepare) rather than for every new database: initdb and the migrations were most of a first
// start (some 7 s of CPU), where copying their result takes a tenth of a second.

function pgliteVersion (): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
}

/** What the template holds, as a short digest: the migrations' files, in order. */
function migrationsDigest (): string {
  const hash = createHash('sha256')
  const files = [...readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')), join('meta', '_journal.json')].sort()
  for (const file of files) hash.update(file).update(readFileSync(join(migrationsDir, file)))
  return hash.digest('hex').slice(0, 12)
}

/**
 * Named after the PGlite that made it and the migrations it applied: another version's data
 * folder is never used, and after a migration changes (until the next install) a new database is
 * made the slow way, by initdb and the migrations.
 */
function templatePaths () {
  const base = join(projectRoot, 'dist', `pglite-template-${pgliteVersion()}-${migrationsDigest()}`)
  return { folder: base, archive: `${base}.tar.gz` }
}

/** The new database's folder, made by copying the template's when the install made one. */
export function startFromTemplate (folder: string): void {
  const template = templatePaths().folder
  if (existsSync(join(folder, 'PG_VERSION')) || !existsSync(join(template, 'PG_VERSION'))) return
  // Copied beside it, then moved in: a copy cut short never looks like a database.
  const draft = `${folder}.from-template-${process.pid}`
  cpSync(template, draft, { recursive: true })
  try {
    rmdirSync(folder)
    renameSync(draft, folder)
  } catch {
    // Not empty: something other than a database is there; PGlite decides, as without a template.
    rmSync(draft, { recursive: true, force: true })
  }
}

/** The template for a database in memory, as the archive PGlite loads. */
export function templateArchive (): Blob | undefined {
  const { archive } = templatePaths()
  return existsSync(archive) ? new Blob([readFileSync(archive)], { type: 'application/x-gzip' }) : undefined
}

/** Runs initdb and the migrations into the template folder, and keeps an archive of it for databases in memory. */
export async function makePgliteTemplate (): Promise<string> {
  const { folder, archive } = templatePaths()
  for (const stale of readdirSync(dirname(folder)).filter((f) => f.startsWith('pglite-template-'))) {
    rmSync(join(dirname(folder), stale), { recursive: true, force: true })
  }
  const db = await PGlite.create(folder)
  try {
    await migrate(drizzle({ client: db }), { migrationsFolder: migrationsDir })
    const dump = await db.dumpDataDir('gzip')
    writeFileSync(`${archive}.${process.pid}`, Buffer.from(await dump.arrayBuffer()))
    renameSync(`${archive}.${process.pid}`, archive)
  } finally {
    await db.close()
  }
  return folder
}
