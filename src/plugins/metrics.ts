import fp from 'fastify-plugin'
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Prometheus metrics at /metrics: request latency by route and status, pool use, process. */
export default fp(async function metrics (app) {
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
  }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()))
}, { name: 'metrics', fastify: '5.x', dependencies: ['database'] })
