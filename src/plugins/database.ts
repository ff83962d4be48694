import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { openDatabase, type Database, type DatabaseHandle } from '../db/client.js'
import { serviceSecret } from '../db/secrets.js'
import { cursorCodec, type Cursors } from '../lib/cursor.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
    database: DatabaseHandle
    cursors: Cursors
  }
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
