import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { pino } from 'pino'
import { withoutQueryValues } from './db/errors.js'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { requestId } from './lib/request-id.js'
import { lazySerializers } from './lib/serializers.js'
import database from './plugins/database.js'
import errors, { clientErrorProblem } from './plugins/errors.js'
import health from './plugins/health.js'
import metrics from './plugins/metrics.js'
import openapi from './plugins/openapi.js'
import personalData from './plugins/personal-data.js'
import { installValidators } from './plugins/validation.js'
import writes from './plugins/writes.js'
import jurisdictionRegistry from './modules/jurisdictions/plugin.js'
import { jurisdictionRoutes } from './modules/jurisdictions/routes.js'
import { JurisdictionSchema } from './modules/jurisdictions/schemas.js'
import { agencyRoutes } from './modules/agencies/routes.js'
import { AgencySchema } from './modules/agencies/schemas.js'
import { enterpriseRoutes } from './modules/enterprises/routes.js'
import { EnterpriseSchema, StatusChangeSchema } from './modules/enterprises/schemas.js'
import { apiKeyRoutes } from './modules/api-keys/routes.js'
import { ApiKeySchema, IssuedApiKeySchema } from './modules/api-keys/schemas.js'
import { auditRoutes } from './modules/audit/routes.js'
import { AuditEventSchema } from './modules/audit/schemas.js'
import { licenceRoutes } from './modules/licences/routes.js'
import { ImportLineError, LicenceImportSchema, LicenceSchema, LicenceTransitionSchema, VerificationSchema as LicenceVerificationSchema } from './modules/licences/schemas.js'
import auth from './plugins/auth.js'
import httpHeaders from './plugins/http-headers.js'
import demoData from './seed/plugin.js'

export interface AppOptions {
  config: Config
  /** pino options, or false for silence; the default logs JSON at config.LOG_LEVEL. */
  logger?: FastifyServerOptions['logger']
  /** Only the benchmark's baseline turns the audit trail off; the service always keeps it. */
  auditTrail?: boolean
}

export function loggerOptions (config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    // Keys and personal data never reach a log line, whatever logs them.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', '*.key', '*.idNumber', '*.licenseId', '*.phone', '*.mobile', '*.driverName'],
      censor: '[redacted]'
    },
    serializers: {
      err: (err: Error) => pino.stdSerializers.err(withoutQueryValues(err) as Error),
      // The path, not the query string: a value typed there (a plate, an ID number sent by mistake) stays out of the log.
      req: (request: FastifyRequest) => ({ method: request.method, url: request.url.split('?')[0], host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort })
    }
  }
}

/** The whole API, ready to listen or to be driven by inject(); it does not listen. */
export async function buildApp ({ config, logger, auditTrail = true }: AppOptions) {
  const app = Fastify({
    logger: logger ?? loggerOptions(config),
    genReqId: requestId,
    requestIdHeader: false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Node's whole-request limit would cut a long import short; the same limit is applied below, per route.
    requestTimeout: 0,
    connectionTimeout: config.REQUEST_TIMEOUT_MS + 5000,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
    clientErrorHandler: clientErrorProblem,
    schemaController: { compilersFactory: { buildSerializer: lazySerializers() } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  installValidators(app)
  // JSON only: text/plain would reach the schema as a string and read as a schema failure.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))
  // A request must arrive whole within REQUEST_TIMEOUT_MS, except on a route that streams its body
  // (a bulk import), which is bounded by the idle connectionTimeout instead.
  const deadlines = new WeakMap<object, NodeJS.Timeout>()
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.routeOptions.config.streamingBody) {
      const raw = request.raw
      deadlines.set(request, setTimeout(() => { if (!raw.complete) raw.destroy() }, config.REQUEST_TIMEOUT_MS).unref())
    }
    done()
  })
  app.addHook('onResponse', (request, _reply, done) => {
    clearTimeout(deadlines.get(request))
    done()
  })
  // While shutting down, answers close their connection so keep-alive sockets do not hold close() open.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  // Callback-style: this runs on every answer, and a promise per hook is measurable there.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })

  await app.register(errors, { retryAfterSeconds: config.DB_RETRY_AFTER_SECONDS })
  await app.register(openapi)
  for (const schema of [JurisdictionSchema, AgencySchema, EnterpriseSchema, StatusChangeSchema, ApiKeySchema, IssuedApiKeySchema, AuditEventSchema, LicenceSchema, LicenceTransitionSchema, LicenceVerificationSchema, ImportLineError, LicenceImportSchema]) app.addSchema(schema)
  await app.register(database, { config })
  await app.register(personalData, { config })
  await app.register(metrics)
  await app.register(health, { retryAfterSeconds: config.DB_RETRY_AFTER_SECONDS, readinessTimeoutMs: 2000 })
  await app.register(jurisdictionRegistry)
  await app.register(auth, { keyedPerMinute: config.RATE_LIMIT_PER_MINUTE, anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE })
  await app.register(httpHeaders, { corsOrigins: config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) })
  await app.register(writes, { auditTrail })
  if (config.DEMO_DATA) await app.register(demoData, { config })

  await app.register(async (v1) => {
    await v1.register(jurisdictionRoutes)
    await v1.register(agencyRoutes)
    await v1.register(enterpriseRoutes)
    await v1.register(apiKeyRoutes)
    await v1.register(auditRoutes)
    await v1.register(licenceRoutes, { auditTrail, maxImportLines: config.IMPORT_MAX_LINES, maxConcurrentImports: config.IMPORT_MAX_CONCURRENT })
  }, { prefix: '/v1' })

  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
