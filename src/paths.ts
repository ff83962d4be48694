import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
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
