import { randomBytes } from 'node:crypto'
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Database } from './client.js'
import { serviceSecrets } from './system-tables.js'

/** A secret the service makes itself on first start and shares between replicas through the database. */
export async function serviceSecret (db: Database, name: string): Promise<string> {
  await db.insert(serviceSecrets).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing()
  const [row] = await db.select().from(serviceSecrets).where(eq(serviceSecrets.name, name))
  return row!.value
}

/**
 * The secret in `file`, made there by `make` first if there is none: a secret kept beside the
 * database, never inside it. Made whole or not at all (written beside, then linked into place,
 * readable by the service only), so two processes starting together end up with the same one.
 */
export function secretInFile (file: string, make: () => string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
    writeFileSync(draft, make().trim() + '\n', { mode: 0o600 })
    try {
      linkSync(draft, file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    } finally {
      unlinkSync(draft)
    }
  }
  return readFileSync(file, 'utf8').trim()
}
