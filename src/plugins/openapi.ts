import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { ProblemDetailSchema, ProblemSchema } from '../lib/problems.js'
import { schemaErrors } from './validation.js'
import { featuresOf, successHeadersOf, withDefaultsOptional, withResponseComponents, type Contracts, type ObjectSchema, type OpenapiDocument } from '../lib/contract.js'

export const apiInfo = {
  title: 'Platform Oversight API',
  version: '0.1.0',
  description: 'Supervision of platform-economy enterprises (ride-hailing, bike-share, car-share) by city regulators, and the compliance data platforms submit. Errors are RFC 9457 problem+json with a stable `code`; lists use opaque cursors; single resources carry ETags and changes take If-Match; creates accept an Idempotency-Key.',
  contact: { name: 'Platform Oversight API maintainers', url: 'https://platform-oversight.example/support', email: 'api@platform-oversight.example' },
  license: { name: 'Proprietary: for the regulators and platforms it is issued to', url: 'https://platform-oversight.example/terms' }
}

declare module 'fastify' {
  interface FastifyInstance {
    installationInfo: Record<string, unknown>
  }
}
// Relative, so Swagger UI's "Try it out" calls the instance that served the document, wherever it runs.
export const apiServers = [{ url: '/', description: 'The instance serving this document' }]

/** The $refs to named schemas anywhere in a route's schema. */
function refsIn (value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, out)
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && !inner.startsWith('#')) out.push(inner)
      else refsIn(inner, out)
    }
  }
  return out
}

/** OpenAPI 3.1 from the route schemas, served at /openapi.json, and Swagger UI at /docs. */
export default fp(async function openapi (app) {
  // What each operation answers, by operationId, gathered as routes are documented.
  const contracts: Contracts = new Map()
  app.addSchema(ProblemDetailSchema)
  app.addSchema(ProblemSchema)
  // Every named schema a route refers to must be registered by its module before the app serves:
  // serializers compile lazily, so an unregistered one would otherwise surface as a 500 later.
  const referenced: Array<{ ref: string, route: string }> = []
  app.addHook('onReady', async function () {
    const known = this.getSchemas()
    for (const [id, schema] of Object.entries(known)) {
      const wrong = schemaErrors(schema as object)
      if (wrong) throw new Error(`schema ${id} is not valid JSON Schema: ${wrong}`)
    }
    const dangling = referenced.filter(({ ref }) => !(ref.split('#')[0]! in known))
    if (dangling.length > 0) throw new Error(`schemas referred to but not registered: ${dangling.map(({ ref, route }) => `${ref} (${route})`).join(', ')}`)
  })
  // A route the document cannot describe stops the app from starting, as one without an access rule does.
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean, operationId?: string, tags?: string[], summary?: string, response?: Record<string, unknown>, body?: unknown, querystring?: unknown, params?: unknown, headers?: unknown } | undefined
    // A route without an access rule is the auth plugin's to refuse, with its own message.
    if (schema?.hide || route.method === 'HEAD' || !route.config?.access) return
    const missing = [
      !schema?.operationId && 'operationId',
      !schema?.tags?.length && 'tags',
      !schema?.summary && 'summary',
      !Object.keys(schema?.response ?? {}).some((status) => Number(status) >= 200 && Number(status) < 300) && 'documented success response'
    ].filter(Boolean)
    if (missing.length > 0) throw new Error(`${String(route.method)} ${route.url} is missing from its schema: ${missing.join(', ')}`)
    const parts = { body: schema?.body, querystring: schema?.querystring, params: schema?.params, headers: schema?.headers, ...Object.fromEntries(Object.entries(schema?.response ?? {}).map(([status, s]) => [`${status} response`, s])) }
    for (const [part, partSchema] of Object.entries(parts)) {
      const wrong = partSchema && schemaErrors(partSchema as object)
      if (wrong) throw new Error(`${String(route.method)} ${route.url}: its ${part} schema is not valid JSON Schema: ${wrong}`)
    }
    for (const ref of refsIn(schema)) referenced.push({ ref, route: `${String(route.method)} ${route.url}` })
  })
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
        { name: 'rosters', description: 'Platforms’ rosters: the vehicles and drivers in service in each city, checked against the licence register' },
        { name: 'orders', description: 'Ride-hailing orders, judged against the licence register at their match time, and the order compliance rate' },
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
    // Each operation states who may call it, from the same config.access the auth plugin enforces,
    // and every status it can answer, from the features its route declares (src/lib/contract.ts).
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide) return { schema, url }
      const access = (route.config as { access?: readonly string[] } | undefined)?.access
      const features = featuresOf(route)
      contracts.set(String(schema.operationId), { features, successes: successHeadersOf(schema.response as Record<string, object>) })
      const querystring = schema.querystring && withDefaultsOptional(schema.querystring as ObjectSchema)
      if (!access) return { schema: { ...schema, ...(querystring ? { querystring } : {}) } as typeof schema, url }
      const isPublic = access.includes('public')
      const roles = isPublic ? 'anyone, no key needed' : access.join(', ')
      return {
        schema: {
          ...schema,
          ...(querystring ? { querystring } : {}),
          description: `${schema.description ? schema.description + '\n\n' : ''}Roles: ${roles}.`,
          security: isPublic ? [] : [{ bearerAuth: [] }],
          'x-roles': access
        } as typeof schema,
        url
      }
    },
    // Shared answers become #/components/responses, the headers #/components/headers.
    transformObject: (document) => withResponseComponents((document as { openapiObject: unknown }).openapiObject as OpenapiDocument, contracts) as never,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, persistAuthorization: true } })
  // Facts of this installation (its audit signing key) go into the served document's info; the
  // committed document, the same for every installation, names where to fetch them instead.
  app.decorate('installationInfo', {} as Record<string, unknown>)
  app.get('/openapi.json', { schema: { hide: true } }, async () => {
    const document = app.swagger()
    return { ...document, info: { ...document.info, ...app.installationInfo } }
  })
}, { name: 'openapi', fastify: '5.x' })
