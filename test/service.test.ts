import t from 'tap'
import { testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'

t.test('service conventions', async (t) => {
  const app = await testApp(t)

  t.test('every answer carries x-request-id; a safe caller id is kept, an unsafe one replaced', async (t) => {
    const kept = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-abc.123' } })
    t.equal(kept.headers['x-request-id'], 'trace-abc.123')
    const replaced = await app.inject({ url: '/v1/nothing', headers: { 'x-request-id': 'bad id\nwith newline' } })
    t.match(replaced.headers['x-request-id'], /^[0-9a-f-]{36}$/)
    t.equal(replaced.json().requestId, replaced.headers['x-request-id'])
    const fresh = await app.inject({ url: '/v1/public/jurisdictions/440100' })
    t.match(fresh.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  })

  t.test('/healthz answers ok without the database', async (t) => {
    const res = await app.inject({ url: '/healthz' })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ok' })
  })

  t.test('/readyz reports the database and that every migration is applied', async (t) => {
    const res = await app.inject({ url: '/readyz' })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { status: 'ready', database: process.env.TEST_DATABASE_URL ? 'postgresql' : 'pglite' })
  })

  t.test('/metrics is Prometheus text with request durations by route template', async (t) => {
    await app.inject({ url: '/v1/public/jurisdictions/440106' })
    const res = await app.inject({ url: '/metrics' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    t.match(res.body, /http_request_duration_seconds_count\{method="GET",route="\/v1\/public\/jurisdictions\/:code",status_code="200"\} [1-9]/)
    t.match(res.body, /process_cpu_user_seconds_total/)
  })

  t.test('/metrics is served on the loopback address and to admin keys; anyone else gets a 403 problem', async (t) => {
    const { admin, guangzhou } = await actors(app)
    const metrics = (remoteAddress: string, headers: Record<string, string> = {}) => app.inject({ url: '/metrics', remoteAddress, headers })
    t.equal((await metrics('127.0.0.1')).statusCode, 200, 'a scraper on this host')
    t.equal((await metrics('::1')).statusCode, 200, 'also over IPv6')
    t.equal((await metrics('::ffff:127.0.0.1')).statusCode, 200, 'and IPv4 mapped into IPv6')
    for (const [why, res] of [
      ['an anonymous caller elsewhere', await metrics('203.0.113.7')],
      ['a regulator key elsewhere', await metrics('203.0.113.7', { authorization: `Bearer ${guangzhou.key}` })],
      ['a request forwarded by a proxy on this host', await metrics('127.0.0.1', { 'x-forwarded-for': '203.0.113.7' })],
      ['a request forwarded under the standard header', await metrics('127.0.0.1', { forwarded: 'for=203.0.113.7' })]
    ] as const) {
      t.equal(res.statusCode, 403, why)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.json(), { code: 'forbidden', instance: '/metrics', detail: /METRICS_PUBLIC=true/ })
      t.notMatch(res.body, /http_request_duration_seconds/)
    }
    const withKey = await metrics('203.0.113.7', { authorization: `Bearer ${admin.key}` })
    t.equal(withKey.statusCode, 200, 'an admin key from anywhere')
    t.match(withKey.body, /http_request_duration_seconds/)
  })

  t.test('Swagger UI is served at /docs', async (t) => {
    const res = await app.inject({ url: '/docs/' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /text\/html/)
    t.match(res.body, /swagger-ui/i)
  })

  t.test('an unexpected error is a 500 problem that hides its internals', async (t) => {
    const failing = await testApp(t, {}, (app) => {
      app.get('/test/boom', async () => { throw new Error('secret internal detail at db.ts:42') })
      app.get('/test/db-down', async () => { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) })
      app.get('/test/db-hung', async () => { throw new Error('Failed query', { cause: new Error('Query read timeout') }) })
    })
    const boom = await failing.inject({ url: '/test/boom' })
    t.equal(boom.statusCode, 500)
    t.match(boom.json(), { code: 'internal_error', status: 500 })
    t.notMatch(boom.body, /secret|db\.ts/)

    for (const url of ['/test/db-down', '/test/db-hung']) {
      const down = await failing.inject({ url })
      t.equal(down.statusCode, 503, url)
      t.equal(down.headers['retry-after'], '5')
      t.match(down.json(), { code: 'database_unavailable', retryAfterSeconds: 5 })
    }
  })
})

t.test('METRICS_PUBLIC=true serves /metrics to anyone, from anywhere', async (t) => {
  const app = await testApp(t, { METRICS_PUBLIC: true })
  const res = await app.inject({ url: '/metrics', remoteAddress: '203.0.113.7' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /process_cpu_user_seconds_total/)
})
