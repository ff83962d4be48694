import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { pino } from 'pino'
import { withoutQueryValues } from './db/errors.js'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { ProblemError } from './lib/problems.js'
import { requestId } from './lib/request-id.js'
import { lazySerializers } from './lib/serializers.js'
import database from './plugins/database.js'
import errors, { clientErrorProblem, rawProblem, routerProblem } from './plugins/errors.js'
import health from './plugins/health.js'
import metrics from './plugins/metrics.js'
import openapi from './plugins/openapi.js'
import personalData from './plugins/personal-data.js'
import requestBodies from './plugins/request-bodies.js'
import { buildValidator } from './plugins/validation.js'
import writes from './plugins/writes.js'
import jurisdictionRegistry from './modules/jurisdictions/plugin.js'
import jurisdictions from './modules/jurisdictions/index.js'
import agencies from './modules/agencies/index.js'
import enterprises from './modules/enterprises/index.js'
import apiKeys from './modules/api-keys/index.js'
import audit from './modules/audit/index.js'
import imports from './modules/imports/index.js'
import licences from './modules/licences/index.js'
import rosters from './modules/rosters/index.js'
import orders from './modules/orders/index.js'
import ipc from './modules/ipc/index.js'
import auth from './plugins/auth.js'
import httpHeaders from './plugins/http-headers.js'
import demoData from './seed/plugin.js'

/** The resource modules, in the order their routes are registered. A new module is one line here. */
export const modules = [jurisdictions, agencies, enterprises, apiKeys, imports, licences, rosters, orders, ipc, audit]

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
    // Every context validates with the service's Ajv (Fastify types this factory for its own; ours
    // takes the route schema the same way), and compiles a status's serializer when first sent.
    schemaController: { compilersFactory: { buildValidator: buildValidator as never, buildSerializer: lazySerializers() } },
    // Typed per route by Fastify; this one handler serves every route.
    frameworkErrors: routerProblem as never
  }).withTypeProvider<TypeBoxTypeProvider>()

  // A request must arrive whole within REQUEST_TIMEOUT_MS, except on a route that streams its body
  // (a bulk import), which is bounded by the idle connectionTimeout instead.
  const deadlines = new WeakMap<object, NodeJS.Timeout>()
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.routeOptions.config.streamingBody) {
      const raw = request.raw
      // Answered 408, then destroyed with its reason, so that the log says the request was too slow, not that the client left.
      deadlines.set(request, setTimeout(() => {
        if (raw.complete) return
        const detail = `The request did not arrive whole within ${config.REQUEST_TIMEOUT_MS} ms`
        if (!reply.raw.headersSent) rawProblem(raw.socket, 'request_timeout', detail, request.url.split('?')[0]!, request.id)
        raw.destroy(new ProblemError('request_timeout', detail))
      }, config.REQUEST_TIMEOUT_MS).unref())
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
  await app.register(requestBodies)
  await app.register(openapi)
  await app.register(database, { config })
  await app.register(personalData, { config })
  await app.register(metrics, { public: config.METRICS_PUBLIC })
  await app.register(health, { retryAfterSeconds: config.DB_RETRY_AFTER_SECONDS, readinessTimeoutMs: 2000 })
  await app.register(jurisdictionRegistry)
  await app.register(auth, { keyedPerMinute: config.RATE_LIMIT_PER_MINUTE, anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE })
  await app.register(httpHeaders, { corsOrigins: config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) })
  await app.register(writes, { auditTrail })
  if (config.DEMO_DATA) await app.register(demoData, { config })

  for (const module of modules) await app.register(module, { config, auditTrail })

  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
