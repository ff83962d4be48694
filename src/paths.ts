import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

function findProjectRoot (from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}`)
    dir = parent
  }
  return dir
}

// The same from src/ (tests) and dist/src/ (npm start).
export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)))
export const migrationsDir = join(projectRoot, 'migrations')
export const seedsDir = join(projectRoot, 'seeds')

/**
 * A file of this installation under DATA_DIR (none in memory): `<name>.<ext>` beside the embedded
 * database, `<name>.postgresql-<database>.<ext>` for a PostgreSQL one, so installations never share.
 */
export function installationFile (config: { DATA_DIR: string, DATABASE_URL?: string | undefined }, name: string, ext: string): string | undefined {
  if (config.DATA_DIR === 'memory://') return undefined
  const database = config.DATABASE_URL ? new URL(config.DATABASE_URL).pathname.slice(1) || 'postgres' : undefined
  return resolve(config.DATA_DIR, database ? `${name}.postgresql-${database}.${ext}` : `${name}.${ext}`)
}
