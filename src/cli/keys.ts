import { parseArgs } from 'node:util'
import { desc } from 'drizzle-orm'
import pino from 'pino'
import { loadConfig } from '../config.js'
import { openDatabase } from '../db/client.js'
import { systemPrincipal } from '../auth/principal.js'
import { apiKeys } from '../modules/api-keys/table.js'
import { apiKeyToApi, issueApiKey, revokeApiKey } from '../modules/api-keys/service.js'
import { audited } from '../modules/audit/trail.js'
import { keyRoles } from '../modules/api-keys/table.js'

const usage = `Operator commands for API keys, on the database of DATABASE_URL (or the PGlite DATA_DIR,
which must not be in use by a running server):

  npm run keys -- create --role admin --label "operations"
  npm run keys -- create --role regulator --agency <agency id> --label "Guangzhou transport bureau"
  npm run keys -- create --role platform --enterprise <enterprise id> --label "…" [--expires 2027-06-30T00:00:00+08:00]
  npm run keys -- list
  npm run keys -- revoke <key id>`

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    role: { type: 'string' },
    label: { type: 'string' },
    agency: { type: 'string' },
    enterprise: { type: 'string' },
    expires: { type: 'string' },
    help: { type: 'boolean' }
  }
})

const [command, id] = positionals
if (values.help || !command) {
  console.log(usage)
  process.exit(command || values.help ? 0 : 2)
}

const config = loadConfig(process.env)
const database = openDatabase(config, pino({ level: 'warn' }))
const operator = systemPrincipal('operator command')
try {
  await database.migrate()
  if (command === 'create') {
    const role = values.role as typeof keyRoles[number]
    if (!keyRoles.includes(role)) throw new Error(`--role must be one of ${keyRoles.join(', ')}`)
    if (!values.label) throw new Error('--label is required: say what the key is for')
    const issued = await audited(database.db, operator, 'cli:keys', (tx, audit) => issueApiKey(tx, {
      role,
      label: values.label!,
      ...(values.agency ? { agencyId: values.agency } : {}),
      ...(values.enterprise ? { enterpriseId: values.enterprise } : {}),
      ...(values.expires ? { expiresAt: new Date(values.expires).toISOString() } : {})
    }, operator, audit))
    console.log(`Issued ${issued.role} key ${issued.id} (prefix ${issued.prefix}). It is shown only now:\n\n  ${issued.key}\n`)
  } else if (command === 'list') {
    const rows = await database.db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt))
    for (const k of rows.map(apiKeyToApi)) {
      console.log([k.id, k.prefix, k.role.padEnd(9), k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < new Date().toISOString() ? 'expired' : 'valid  ', k.label].join('  '))
    }
  } else if (command === 'revoke' && id) {
    const revoked = await audited(database.db, operator, 'cli:keys', (tx, audit) => revokeApiKey(tx, id, audit))
    console.log(`Revoked ${revoked.prefix} at ${revoked.revokedAt}`)
  } else {
    console.log(usage)
    process.exitCode = 2
  }
} catch (err) {
  console.error(`keys: ${(err as Error).message}`)
  process.exitCode = 1
} finally {
  await database.close()
}
