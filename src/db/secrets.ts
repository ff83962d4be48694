import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Database } from './client.js'
import { serviceSecrets } from './system-tables.js'

/** A secret the service makes itself on first start and shares between replicas through the database. */
export async function serviceSecret (db: Database, name: string): Promise<string> {
  await db.insert(serviceSecrets).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing()
  const [row] = await db.select().from(serviceSecrets).where(eq(serviceSecrets.name, name))
  return row!.value
}
