import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { ProblemDetailSchema, ProblemSchema } from '../lib/problems.js'

export const apiInfo = {
  title: 'Platform Oversight API',
  version: '0.1.0',
  description: 'Supervision of platform-economy enterprises (ride-hailing, bike-share, car-share) by city regulators, and the compliance data platforms submit. Errors are RFC 9457 problem+json with a stable `code`; lists use opaque cursors; single resources carry ETags and changes take If-Match; creates accept an Idempotency-Key.'
}

/** OpenAPI 3.1 from the route schemas, served at /openapi.json, and Swagger UI at /docs. */
export default fp(async function openapi (app) {
  app.addSchema(ProblemDetailSchema)
  app.addSchema(ProblemSchema)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: apiInfo,
      tags: [
        { name: 'jurisdictions', description: 'GB/T 2260 administrative divisions (read-only)' },
        { name: 'agencies', description: 'Regulators' },
        { name: 'enterprises', description: 'Platform enterprises and their status history' },
        { name: 'health', description: 'Liveness and readiness' }
      ]
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, persistAuthorization: true } })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'openapi', fastify: '5.x' })
