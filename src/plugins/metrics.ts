import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { ProblemError } from '../lib/problems.js'

/**
 * A caller on this host, asking directly: the socket's own address, not one a header claims, and
 * no proxy in between (a reverse proxy on the same host would otherwise make everyone local).
 */
export function askedLocally (request: FastifyRequest): boolean {
  const address = request.raw.socket.remoteAddress ?? ''
  const loopback = address === '::1' || /^(::ffff:)?127\./.test(address)
  return loopback && request.headers['x-forwarded-for'] === undefined && request.headers.forwarded === undefined
}

/**
 * Prometheus metrics at /metrics: request latency by route and status, pool use, process. They
 * map the service's routes and load, so they go to a scraper on this host or with an admin key,
 * unless `public` says anyone may read them.
 */
export default fp<{ public: boolean }>(async function metrics (app, opts) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer, by method, route template and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  })
  const pool = app.database.pool
  if (pool) {
    const connections = new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections',
      labelNames: ['state'],
      registers: [registry],
      collect () {
        connections.set({ state: 'total' }, pool.totalCount)
        connections.set({ state: 'idle' }, pool.idleCount)
        connections.set({ state: 'waiting' }, pool.waitingCount)
      }
    })
  }

  // One labelled child per method, route and status, found by a string key instead of hashing labels.
  const series = new Map<string, ReturnType<typeof duration.labels>>()
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const key = `${request.method} ${route} ${reply.statusCode}`
    let child = series.get(key)
    if (!child) series.set(key, child = duration.labels(request.method, route, String(reply.statusCode)))
    child.observe(reply.elapsedTime / 1000)
    done()
  })

  app.get('/metrics', {
    schema: { hide: true },
    logLevel: 'warn'
  }, async (request, reply) => {
    // 403 rather than 404: the path is well known, and a scraper's operator should learn what to change.
    if (!opts.public && request.principal.role !== 'admin' && !askedLocally(request)) {
      throw new ProblemError('forbidden', 'Metrics are served to callers on this host and to admin keys; set METRICS_PUBLIC=true to serve them to anyone')
    }
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}, { name: 'metrics', fastify: '5.x', dependencies: ['database'] })
