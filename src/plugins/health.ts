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
      description: 'For a supervisor’s liveness probe: answers while the process runs, whatever the database does. No key needed.',
      security: [],
      response: { 200: described('Alive', Type.Object({ status: Type.Literal('ok', { description: 'Always ok while the process answers' }) }, { examples: [{ status: 'ok' }] })) }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    logLevel: 'warn',
    schema: {
      operationId: 'readiness',
      tags: ['health'],
      summary: 'The database answers and every migration is applied',
      description: 'For a load balancer’s readiness probe: 200 once the database answers and every migration is applied, 503 with Retry-After otherwise. No key needed.',
      security: [],
      response: {
        200: described('Ready to serve', Type.Object({
          status: Type.Literal('ready', { description: 'Always ready when answered with 200' }),
          database: StringEnum(['postgresql', 'pglite'], { description: 'Which database this instance uses' })
        }, { examples: [{ status: 'ready', database: 'postgresql' }] })),
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
