import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { ProblemError } from '../lib/problems.js'
import { problemResponses, StringEnum, described } from '../lib/schemas.js'

/** Liveness never touches the database; readiness asks it, with a bounded wait. */
export default fp<{ retryAfterSeconds: number, readinessTimeoutMs: number }>(async function health (app, opts) {
  app.get('/healthz', {
    logLevel: 'warn',
    schema: {
      operationId: 'liveness',
      tags: ['health'],
      summary: 'The process is up (does not touch the database)',
      response: { 200: described('Alive', Type.Object({ status: Type.Literal('ok', { description: 'Always ok while the process answers' }) })) }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    logLevel: 'warn',
    schema: {
      operationId: 'readiness',
      tags: ['health'],
      summary: 'The database answers and every migration is applied',
      response: {
        200: described('Ready to serve', Type.Object({
          status: Type.Literal('ready', { description: 'Always ready when answered with 200' }),
          database: StringEnum(['postgresql', 'pglite'], { description: 'Which database this instance uses' })
        })),
        ...problemResponses()
      }
    }
  }, async () => {
    if (!await app.database.ready(opts.readinessTimeoutMs)) {
      throw new ProblemError('service_unavailable', 'The database is unreachable or not fully migrated', { retryAfterSeconds: opts.retryAfterSeconds })
    }
    return { status: 'ready' as const, database: app.database.kind }
  })
}, { name: 'health', fastify: '5.x', dependencies: ['database'] })
