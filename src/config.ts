import { envSchema } from 'env-schema'
import { Type, type Static } from 'typebox'
import { OperatorError } from './lib/operator-error.js'

// The whole runtime configuration, read from the environment once by server.ts.
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on' }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on; 0.0.0.0 in containers' }),
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1, description: 'PostgreSQL URL; without it the embedded PGlite is used' })),
  DATA_DIR: Type.String({ default: './data', description: 'Folder of the embedded PGlite database; memory:// keeps it in memory' }),
  DEMO_DATA: Type.Boolean({ default: true, description: 'Load the demo data set from seeds/ on first start' }),
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], { default: 'info' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1048576 }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 30000 }),
  IMPORT_MAX_LINES: Type.Integer({ minimum: 1, default: 5000000, description: 'Lines one bulk import may hold' }),
  IMPORT_MAX_CONCURRENT: Type.Integer({ minimum: 1, default: 2, description: 'Bulk imports one instance runs at once; more are asked to retry (503), so imports never take the whole database pool' }),
  IMPORT_MIN_BYTES_PER_MINUTE: Type.Integer({ minimum: 0, default: 524288, description: 'A bulk import that arrives slower than this (checked every 10 s) is cut off with its committed batches kept, so a trickling sender cannot hold an import slot; 0 for no minimum' }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 100, default: 10000 }),
  DB_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  DB_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 2000 }),
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 5000 }),
  DB_RETRY_AFTER_SECONDS: Type.Integer({ minimum: 1, default: 5 }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 1200, description: 'Requests a minute per API key' }),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: Type.Integer({ minimum: 1, default: 120, description: 'Requests a minute per address without a key, or with a wrong one' }),
  PERSONAL_DATA_KEY: Type.Optional(Type.String({ minLength: 32, description: 'Secret key (32+ characters) of the keyed hashes under which personal data is matched; kept out of the database. Unset: made once and kept in a file under DATA_DIR' })),
  METRICS_PUBLIC: Type.Boolean({ default: false, description: 'Serve /metrics to anyone; by default only to callers on the loopback address (not through a proxy) and to admin keys' }),
  AUDIT_SIGNING_KEY: Type.Optional(Type.String({ minLength: 1, description: 'Ed25519 private key (PKCS#8 PEM, or base64 of it) that signs the audit chain\'s checkpoints; kept out of the database. Unset: made once and kept in a file under DATA_DIR' })),
  AUDIT_CHECKPOINT_SECONDS: Type.Integer({ minimum: 1, default: 60, description: 'How often the head of the audit chain is signed and published, when it has moved' }),
  CORS_ORIGINS: Type.String({ default: '', description: 'Comma-separated browser origins allowed to call the API; empty for none' })
})

export type Config = Static<typeof ConfigSchema>

export function loadConfig (env: Record<string, string | undefined>): Config {
  let config: Config
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data: env, dotenv: false })
  } catch (err) {
    throw refusedEnvironment(err)
  }
  if (config.DATABASE_URL && !(/^postgres(ql)?:\/\//.test(config.DATABASE_URL) && URL.canParse(config.DATABASE_URL))) {
    throw new OperatorError('DATABASE_URL is not a PostgreSQL URL: write it as postgres://user:password@host:5432/database, or unset it to use the embedded database')
  }
  return config
}

interface EnvError { instancePath: string, keyword: string, message?: string }

/** One sentence naming each refused variable and its rule; never the value, which may be a secret. */
function refusedEnvironment (err: unknown): Error {
  const errors = (err as { errors?: EnvError[] }).errors
  if (!errors) return err as Error
  const rules = new Map<string, string>()
  for (const { instancePath, keyword, message } of errors) {
    const name = instancePath.slice(1)
    // A union of literals fails once per literal, then as a whole: say which values it takes.
    if (keyword === 'const') continue
    const choices = keyword === 'anyOf' ? (ConfigSchema.properties[name as keyof Config] as { anyOf?: Array<{ const: string }> } | undefined)?.anyOf : undefined
    rules.set(name, choices ? `must be one of ${choices.map((c) => c.const).join(', ')}` : message ?? 'is invalid')
  }
  return new OperatorError(`Fix the environment: ${[...rules].map(([name, rule]) => `${name} ${rule}`).join('; ')} (README.md's Configuration lists every variable)`, { cause: err })
}

/** The defaults, with overrides: what tests and scripts start from. */
export function defaultConfig (overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), ...overrides }
}
