import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { enterpriseInput } from './helpers/fixtures.js'
import { holdEnterprises, anotherInstance, tableCounts, testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'
import { IdempotencyHeaders } from '../src/lib/schemas.js'

t.test('Idempotency-Key on creates', async (t) => {
  // /test/slow holds its write open until the test lets it go: a request caught in flight.
  const gates: Array<Promise<void>> = []
  const app = await testApp(t, {}, (app) => {
    app.post('/test/slow', { schema: { headers: IdempotencyHeaders } }, async (request, reply) => app.write(request, reply, async () => {
      await gates.shift()
      return { statusCode: 201, body: { done: true } }
    }))
  })
  const { admin, guangzhou } = await actors(app)
  const post = (key: string, payload: object, url = '/v1/enterprises') =>
    (url === '/v1/agencies' ? admin : guangzhou).inject({ method: 'POST', url, headers: { 'idempotency-key': key }, payload })

  t.test('a retry with the same key and body replays the first answer and writes nothing more', async (t) => {
    const input = enterpriseInput()
    const first = await post('retry-1', input)
    t.equal(first.statusCode, 201)
    t.notOk(first.headers['idempotent-replayed'])
    const before = await tableCounts(app)

    const again = await post('retry-1', { ...input, sectors: [...input.sectors] })
    t.equal(again.statusCode, 201)
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.same(again.json(), first.json())
    t.equal(again.headers.location, first.headers.location)
    t.equal(again.headers.etag, first.headers.etag)
    t.same(await tableCounts(app), before)
  })

  t.test('key order in the body does not matter', async (t) => {
    const input = enterpriseInput()
    const first = await post('order-1', input)
    const reordered = Object.fromEntries(Object.entries(input).reverse())
    const again = await post('order-1', reordered)
    t.equal(again.headers['idempotent-replayed'], 'true')
    t.equal(again.json().id, first.json().id)
  })

  t.test('the same key with another body is a 422 and writes nothing', async (t) => {
    await post('reuse-1', enterpriseInput())
    const before = await tableCounts(app)
    const other = await post('reuse-1', enterpriseInput())
    t.equal(other.statusCode, 422)
    t.match(other.json(), { code: 'idempotency_key_reused', errors: [{ in: 'header', pointer: '/idempotency-key' }] })
    t.same(await tableCounts(app), before)
  })

  t.test('the same key on another route is another request', async (t) => {
    const enterprise = await post('shared-key', enterpriseInput())
    const agency = await post('shared-key', { nameZh: '幂等测试局', kind: 'transport', jurisdictionCode: '440100' }, '/v1/agencies')
    t.equal(enterprise.statusCode, 201)
    t.equal(agency.statusCode, 201)
    t.notOk(agency.headers['idempotent-replayed'])
  })

  t.test('a key still in flight on this instance is a 409 with Retry-After; the first request completes', async (t) => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    const slow = (key: string) => app.inject({ method: 'POST', url: '/test/slow', headers: { 'idempotency-key': key }, payload: { n: 1 } })
    gates.push(gate)
    const first = slow('inflight-1')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const second = await slow('inflight-1')
    t.equal(second.statusCode, 409)
    t.equal(second.json().code, 'idempotency_request_in_flight')
    t.equal(second.headers['retry-after'], '1')
    release()
    t.equal((await first).statusCode, 201)
    const later = await slow('inflight-1')
    t.equal(later.statusCode, 201)
    t.equal(later.headers['idempotent-replayed'], 'true')
  })

  t.test('a key in flight on another replica is a 409 too', { skip: !process.env.TEST_DATABASE_URL && 'a second replica needs PostgreSQL' }, async (t) => {
    const replica = await anotherInstance(t, app)
    const input = enterpriseInput()
    const release = await holdEnterprises(app)
    const first = post('inflight-2', input)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const second = await replica.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'inflight-2', authorization: `Bearer ${guangzhou.key}` }, payload: input })
    t.equal(second.statusCode, 409)
    t.equal(second.json().code, 'idempotency_request_in_flight')
    await release()
    t.equal((await first).statusCode, 201)
    const replayed = await replica.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'inflight-2', authorization: `Bearer ${guangzhou.key}` }, payload: input })
    t.equal(replayed.headers['idempotent-replayed'], 'true')
  })

  t.test('a refused request is not stored: fixing the body under the same key works', async (t) => {
    const bad = await post('fix-1', enterpriseInput({ uscc: '91350200M000000510' }))
    t.equal(bad.statusCode, 400)
    const conflict = await post('fix-2', enterpriseInput({ jurisdictionCodes: ['999999'] }))
    t.equal(conflict.statusCode, 422)
    const good = await post('fix-2', enterpriseInput())
    t.equal(good.statusCode, 201)
  })

  t.test('a refusal from inside the transaction is not stored with the key', async (t) => {
    const input = enterpriseInput()
    t.equal((await post('dup-a', input)).statusCode, 201)
    const dup = await post('dup-b', input)
    t.equal(dup.statusCode, 409)
    const stored = rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from idempotency_records where key = 'dup-b'`))
    t.same(stored, [{ n: 0 }])
  })

  t.test('without a key every POST is a new request', async (t) => {
    const input = enterpriseInput()
    const first = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', payload: input })
    const second = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', payload: input })
    t.equal(first.statusCode, 201)
    t.equal(second.statusCode, 409)
  })

  t.test('status changes replay too, even though If-Match would now be stale', async (t) => {
    const created = await post('status-owner', enterpriseInput())
    const url = `/v1/enterprises/${created.json().id}/status-changes`
    const once = await guangzhou.inject({ method: 'POST', url, headers: { 'if-match': '"1"', 'idempotency-key': 'suspend-1' }, payload: { status: 'suspended', reason: 'x' } })
    t.equal(once.statusCode, 201)
    const twice = await guangzhou.inject({ method: 'POST', url, headers: { 'if-match': '"1"', 'idempotency-key': 'suspend-1' }, payload: { status: 'suspended', reason: 'x' } })
    t.equal(twice.statusCode, 201)
    t.equal(twice.headers['idempotent-replayed'], 'true')
    t.same(twice.json(), once.json())
  })
})
