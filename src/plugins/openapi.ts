import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { ProblemDetailSchema, ProblemSchema } from '../lib/problems.js'
import { problemContent } from '../lib/schemas.js'

export const apiInfo = {
  title: 'Platform Oversight API',
  version: '0.1.0',
  description: 'Supervision of platform-economy enterprises (ride-hailing, bike-share, car-share) by city regulators, and the compliance data platforms submit. Errors are RFC 9457 problem+json with a stable `code`; lists use opaque cursors; single resources carry ETags and changes take If-Match; creates accept an Idempotency-Key.',
  contact: { name: 'Platform Oversight API maintainers', url: 'https://platform-oversight.example/support', email: 'api@platform-oversight.example' },
  license: { name: 'Proprietary: for the regulators and platforms it is issued to', url: 'https://platform-oversight.example/terms' }
}

// Relative, so Swagger UI's "Try it out" calls the instance that served the document, wherever it runs.
export const apiServers = [{ url: '/', description: 'The instance serving this document' }]

/** OpenAPI 3.1 from the route schemas, served at /openapi.json, and Swagger UI at /docs. */
export default fp(async function openapi (app) {
  app.addSchema(ProblemDetailSchema)
  app.addSchema(ProblemSchema)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: apiInfo,
      servers: apiServers,
      tags: [
        { name: 'jurisdictions', description: 'GB/T 2260 administrative divisions (read-only)' },
        { name: 'agencies', description: 'Regulators' },
        { name: 'enterprises', description: 'Platform enterprises and their status history' },
        { name: 'api-keys', description: 'API keys (admin)' },
        { name: 'licences', description: 'The licence register: permits, vehicle and driver certificates, filings; lifecycle and bulk import' },
        { name: 'public', description: 'Disclosed data for passengers and integrators: no key needed' },
        { name: 'audit', description: 'The tamper-evident audit trail' },
        { name: 'events', description: 'Change feed for integrators' },
        { name: 'health', description: 'Liveness and readiness' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer poa_…`. Its role (admin, regulator, platform) decides what it may do and see; routes under /v1/public need none.' }
        }
      }
    },
    // Each operation states who may call it, from the same config.access the auth plugin enforces.
    transform: ({ schema, url, route }) => {
      const access = (route.config as { access?: readonly string[] } | undefined)?.access
      if (!access || !schema) return { schema, url }
      const isPublic = access.includes('public')
      const responses = { ...(schema.response as Record<string, unknown>) }
      if (!isPublic) {
        responses[401] = { description: 'No API key, or one that is unknown, revoked or expired', content: problemContent }
        responses[403] = { description: `Your role may not call this; allowed: ${access.join(', ')}`, content: problemContent }
      }
      responses[429] = { description: 'Rate limit exceeded; retry after Retry-After seconds', content: problemContent }
      const roles = isPublic ? 'anyone, no key needed' : access.join(', ')
      return {
        schema: {
          ...schema,
          description: `${schema.description ? schema.description + '\n\n' : ''}Roles: ${roles}.`,
          security: isPublic ? [] : [{ bearerAuth: [] }],
          'x-roles': access,
          response: responses
        } as typeof schema,
        url
      }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, persistAuthorization: true } })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}, { name: 'openapi', fastify: '5.x' })
