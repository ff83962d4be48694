import fp from 'fastify-plugin'
import { createHmac, randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Config } from '../config.js'
import { secretInFile } from '../db/secrets.js'
import { serviceSecrets } from '../db/system-tables.js'
import { OperatorError } from '../lib/operator-error.js'
import { installationFile } from '../paths.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The keyed hash under which personal data (a driver's ID number) is matched, and which stands
     * for a request body that may hold it. The key never lives in the database beside the hashes:
     * with both, the few unknown digits of a masked ID number are found in milliseconds.
     */
    hashPersonal: (value: string) => string
  }
}

/** Where the key is kept when PERSONAL_DATA_KEY is not set: a file beside, never inside, the database. */
export function personalDataKeyPath (config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'>): string | undefined {
  return installationFile(config, 'personal-data', 'key')
}

/** The key in `file`, made there first if there is none (see secretInFile); without a file, one for this process only. */
export function keyFromFile (file: string | undefined): string {
  if (!file) return randomBytes(32).toString('base64url')
  const key = secretInFile(file, () => randomBytes(32).toString('base64url'))
  if (key.length < 32) throw new OperatorError(`The personal data key in ${file} is shorter than 32 characters; restore the key this database was made with, or set PERSONAL_DATA_KEY`)
  return key
}

export default fp<{ config: Config }>(async function personalData (app, { config }) {
  const configured = config.PERSONAL_DATA_KEY
  const file = configured ? undefined : personalDataKeyPath(config)
  const key = configured ?? keyFromFile(file)
  const hash = (value: string) => createHmac('sha256', key).update(value).digest('base64url')
  // The database keeps a check value of the key (not the key): starting with another key would
  // silently stop every match, so it is refused instead.
  const check = hash('platform-oversight personal data key check')
  await app.db.insert(serviceSecrets).values({ name: 'personal-data-key-check', value: check }).onConflictDoNothing()
  const [stored] = await app.db.select().from(serviceSecrets).where(eq(serviceSecrets.name, 'personal-data-key-check'))
  if (stored!.value !== check) {
    throw new OperatorError(`The personal data key (${configured ? 'PERSONAL_DATA_KEY' : file ?? 'generated in memory'}) is not the one this database's driver ID hashes were made with: start with that key (set PERSONAL_DATA_KEY to it, or restore its file)`)
  }
  if (!configured && config.DATABASE_URL) {
    app.log.warn({ file }, 'PERSONAL_DATA_KEY is not set: the key is kept in a file here; replicas must share one key, so set PERSONAL_DATA_KEY in production')
  }
  app.decorate('hashPersonal', hash)
}, { name: 'personal-data', fastify: '5.x', dependencies: ['database'] })
