import t from 'tap'
import { databaseProxy } from './helpers/proxy.js'
import { freshPostgresDatabase, testApp } from './helpers/app.js'
import { enterpriseInput } from './helpers/fixtures.js'
import { actors } from './helpers/actors.js'
import type { App } from '../src/app.js'

const adminUrl = process.env.TEST_DATABASE_URL

async function within (ms: number, check: () => Promise<boolean>): Promise<number | undefined> {
  const start = Date.now()
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return undefined
}

const ready = (app: App) => async () => (await app.inject({ url: '/readyz' })).statusCode === 200

t.test('PostgreSQL stopped, restarted or hung', { skip: !adminUrl && 'the embedded PGlite cannot fail this way; run with TEST_DATABASE_URL' }, async (t) => {
  const url = new URL(await freshPostgresDatabase(t, adminUrl!))
  const proxy = await databaseProxy({ host: url.hostname, port: Number(url.port || 5432) })
  t.teardown(proxy.close)
  url.hostname = '127.0.0.1'
  url.port = String(proxy.port)
  const app = await testApp(t, { DATABASE_URL: url.toString(), DB_STATEMENT_TIMEOUT_MS: 1000, DB_CONNECT_TIMEOUT_MS: 500 })
  const { guangzhou } = await actors(app)
  const created = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput() })
  t.equal(created.statusCode, 201)
  const id = created.json().id

  t.test('stopped: requests get a 503 problem with Retry-After at once; liveness stays up', async (t) => {
    proxy.down()
    const started = Date.now()
    const res = await guangzhou.inject({ url: `/v1/enterprises/${id}` })
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '5')
    t.equal(res.json().code, 'database_unavailable')
    t.ok(Date.now() - started < 3000, `answered in ${Date.now() - started} ms`)
    const write = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'during-outage' }, payload: enterpriseInput({ uscc: '91440106MA59ABCD1M' }) })
    t.equal(write.statusCode, 503)
    t.equal((await app.inject({ url: '/readyz' })).statusCode, 503)
    t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  })

  t.test('back: readiness returns within 5 s, and a 503 was never stored under its Idempotency-Key', async (t) => {
    proxy.up()
    const took = await within(5000, ready(app))
    t.ok(took !== undefined, `ready again after ${took} ms`)
    const res = await guangzhou.inject({ url: `/v1/enterprises/${id}` })
    t.equal(res.statusCode, 200)
    const retry = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'during-outage' }, payload: enterpriseInput({ uscc: '91440106MA59ABCD1M' }) })
    t.equal(retry.statusCode, 201)
    t.notOk(retry.headers['idempotent-replayed'], 'the retry ran for real')
  })

  t.test('hung: requests get a 503 within the statement timeout instead of waiting forever', async (t) => {
    t.equal((await guangzhou.inject({ url: `/v1/enterprises/${id}` })).statusCode, 200, 'a pooled connection is open')
    proxy.hang()
    const started = Date.now()
    const [read, readiness] = await Promise.all([guangzhou.inject({ url: `/v1/enterprises/${id}` }), app.inject({ url: '/readyz' })])
    const elapsed = Date.now() - started
    t.equal(read.statusCode, 503)
    t.equal(read.json().code, 'database_unavailable')
    t.equal(readiness.statusCode, 503)
    t.ok(elapsed < 4000, `answered in ${elapsed} ms`)
    proxy.up()
    t.ok(await within(5000, ready(app)) !== undefined, 'ready again')
  })

  t.test('idle connections dropped under the pool do not take the process down', async (t) => {
    await Promise.all(Array.from({ length: 5 }, () => guangzhou.inject({ url: `/v1/enterprises/${id}` })))
    proxy.down()
    await new Promise((resolve) => setTimeout(resolve, 300))
    proxy.up()
    t.ok(await within(5000, ready(app)) !== undefined)
    t.equal((await guangzhou.inject({ url: `/v1/enterprises/${id}` })).statusCode, 200)
  })
})
