import { parseArgs } from 'node:util'
import { desc } from 'drizzle-orm'
import pino from 'pino'
import { loadConfig } from '../config.js'
import { operatorMessage } from '../lib/operator-error.js'
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

/** A mistake in the command or its environment: one line saying what to do, no stack trace. */
function refuse (err: unknown): never {
  console.error(`keys: ${operatorMessage(err) ?? (err as Error).message}`)
  process.exit(err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS') ? 2 : 1)
}

let args
try {
  args = parseArgs({
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
} catch (err) {
  refuse(err)
}
const { values, positionals } = args

const [command, id] = positionals
if (values.help || !command) {
  console.log(usage)
  process.exit(command || values.help ? 0 : 2)
}

let database
try {
  database = openDatabase(loadConfig(process.env), pino({ level: 'warn' }))
  await database.migrate()
} catch (err) {
  await database?.close().catch(() => {})
  refuse(err)
}
const operator = systemPrincipal('operator command')
try {
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
