import fp from 'fastify-plugin'
import cors from '@fastify/cors'

// What helmet would set, as one static set written by one hook (this runs on every answer).
export const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}
export const apiPolicy = "default-src 'none'; frame-ancestors 'none'"
// Swagger UI loads its own scripts and styles from /docs and draws images from data: URLs.
const docsPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'"

/** Security headers for a JSON API and its docs page, CORS for configured origins, and cache rules. */
export default fp<{ corsOrigins: string[] }>(async function httpHeaders (app, opts) {
  if (opts.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: opts.corsOrigins,
      allowedHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['etag', 'location', 'x-request-id', 'retry-after', 'idempotent-replayed', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
      methods: ['GET', 'POST', 'PATCH'],
      maxAge: 600
    })
  }
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.headers(securityHeaders)
    reply.header('content-security-policy', request.url.startsWith('/docs') ? docsPolicy : apiPolicy)
    // Answers to a key are that tenant's data: private caches only, and always revalidated.
    if (request.principal && request.principal.role !== 'public' && !reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-cache')
    done(null, payload)
  })
}, { name: 'http-headers', fastify: '5.x', dependencies: ['auth'] })
