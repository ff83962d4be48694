import fp from 'fastify-plugin'
import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Config } from '../config.js'
import { openDatabase, type Database, type DatabaseHandle } from '../db/client.js'
import { serviceSecrets } from '../db/system-tables.js'
import { cursorCodec, type Cursors } from '../lib/cursor.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
    database: DatabaseHandle
    cursors: Cursors
  }
}

/** A secret the service makes itself on first start and shares between replicas through the database. */
export async function serviceSecret (db: Database, name: string): Promise<string> {
  await db.insert(serviceSecrets).values({ name, value: randomBytes(32).toString('base64url') }).onConflictDoNothing()
  const [row] = await db.select().from(serviceSecrets).where(eq(serviceSecrets.name, name))
  return row!.value
}

/** Opens PGlite or PostgreSQL, applies migrations, and closes the database last on shutdown. */
export default fp<{ config: Config }>(async function database (app, { config }) {
  const handle = openDatabase(config, app.log)
  app.addHook('onClose', async () => { await handle.close() })
  await handle.migrate()
  app.decorate('database', handle)
  app.decorate('db', handle.db)
  app.decorate('cursors', cursorCodec(await serviceSecret(handle.db, 'cursor-hmac')))
}, { name: 'database', fastify: '5.x' })
