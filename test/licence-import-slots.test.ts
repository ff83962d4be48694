import { request as httpRequest, type IncomingMessage } from 'node:http'
import t from 'tap'
import { importLimits } from '../src/modules/imports/resource.js'
import { actors } from './helpers/actors.js'
import { loggedTestApp, tableCounts, testApp } from './helpers/app.js'
import { registerEnterprise } from './helpers/fixtures.js'

// These tests cross batch boundaries at 2,000 lines (dropped after the first batch, resumed at
// the second): the engine's batches are the same at any size, and these bodies stay small.
importLimits.batchLines = 2000

// The import slots of an instance, shared fairly, and what becomes of a sender that trickles or leaves.

const ndjson = { 'content-type': 'application/x-ndjson' }

/** An import request over a real socket, written piece by piece; `answer` settles when the server answers or drops it. */
function streamImport (port: number, key: string | undefined, idempotencyKey?: string) {
  const req = httpRequest({ port, method: 'POST', path: '/v1/licence-imports', headers: { ...ndjson, authorization: `Bearer ${key}`, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) } })
  const answer = new Promise<{ status: number, body: string } | Error>((resolve) => {
    req.on('response', (res: IncomingMessage) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => { body += c }).on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', resolve)
  })
  return { req, answer }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function eventually<T> (what: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await what()
    if (done(value)) return value
    await wait(20)
  }
  throw new Error('timed out waiting')
}

t.test('one instance, its import slots and its log', async (t) => {
  const { app, log } = await loggedTestApp(t, { IMPORT_MAX_CONCURRENT: 2, IMPORT_MIN_BYTES_PER_MINUTE: 0 })
  const { guangzhou: gz, xiamen, nantong } = await actors(app)
  const enterprise = await registerEnterprise(gz)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }

  t.test('import slots are fair: one running import per agency, IMPORT_MAX_CONCURRENT per instance', async (t) => {
    const line = (n: number) => JSON.stringify({ type: 'platform_permit', number: `C${n}`, jurisdictionCode: '440100', issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id, validFrom: '2025-01-01', validUntil: '2026-01-01' }) + '\n'
    const imports = async () => (await tableCounts(app)).imports

    const running = streamImport(port, gz.key, 'concurrent-1')
    running.req.write(line(1))
    await eventually(imports, (n) => n === 1)
    const before = await tableCounts(app)
    const again = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: line(2) })
    t.equal(again.statusCode, 409, 'a second import of the same agency waits for the first')
    t.match(again.json(), { code: 'import_already_running', detail: /\/v1\/licence-imports\/[0-9a-f-]{36} is still running/ })
    t.equal(again.headers['retry-after'], '30')
    const sameKey = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'concurrent-1' }, payload: line(1) })
    t.match(sameKey.json(), { code: 'idempotency_request_in_flight' }, 'a retry of the running import is told it is in flight')
    t.same(await tableCounts(app), before, 'nothing written')

    const other = await xiamen.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: line(3) })
    t.equal(other.statusCode, 201, 'another city imports meanwhile')

    const second = streamImport(port, xiamen.key)
    second.req.write(line(4))
    await eventually(imports, (n) => n === 3)
    const full = await tableCounts(app)
    const busy = await nantong.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: line(5) })
    t.equal(busy.statusCode, 503, 'both slots taken: the instance is busy')
    t.match(busy.json(), { code: 'service_unavailable', detail: /2 bulk imports are running/ })
    t.equal(busy.headers['retry-after'], '30')
    t.same(await tableCounts(app), full, 'nothing written')

    running.req.end(line(6))
    second.req.end()
    t.match(await running.answer, { status: 201 })
    t.match(await second.answer, { status: 201 })
    t.equal((await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: line(2) })).statusCode, 201, 'once it is done, the agency’s next one runs')
    t.equal((await nantong.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: line(5) })).statusCode, 201)
  })

  t.test('a client that aborts its own upload is logged at info as an aborted request, not as a database failure', async (t) => {
    const lines = Array.from({ length: 2100 }, (_, i) => JSON.stringify({ type: 'platform_permit', number: `A${i}`, jurisdictionCode: '440100', issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id, validFrom: '2025-01-01', validUntil: '2026-01-01' }) + '\n')
    const upload = streamImport(port, gz.key, 'abort-1')
    upload.req.write(lines.join(''))
    await eventually(async () => (await gz.inject({ url: '/v1/licence-imports?idempotencyKey=abort-1' })).json().items[0], (i) => i?.applied === 2000)
    upload.req.destroy()
    await eventually(async () => log.filter((l) => l.msg === 'request aborted by the client').length, (n) => n === 1)
    const aborted = log.find((l) => l.msg === 'request aborted by the client')!
    t.match(aborted, { level: 30, code: 'request_aborted' })
    t.same(log.filter((l) => (l.level as number) >= 50), [], 'no error-level line, not even for the busy 503 above')
    t.notOk(JSON.stringify(log).includes('database_unavailable'), 'never taken for an outage')
    t.match(log.find((l) => l.msg === 'import interrupted'), { level: 30, reqId: aborted.reqId, kind: 'licences' })
    t.notOk(aborted.err, 'no stack trace for what is not a failure')
  })
})

t.test('a sender that trickles loses its slot to the other cities; a retry under its key goes on', async (t) => {
  const saved = { ...importLimits }
  t.teardown(() => Object.assign(importLimits, saved))
  Object.assign(importLimits, { heartbeatMs: 200 })
  // 200 bytes per 200 ms beat.
  const app = await testApp(t, { IMPORT_MAX_CONCURRENT: 2, IMPORT_MIN_BYTES_PER_MINUTE: 60_000 })
  const { guangzhou: gz, xiamen, nantong } = await actors(app)
  const enterprise = await registerEnterprise(gz)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const lines = Array.from({ length: 2100 }, (_, i) => JSON.stringify({ type: 'platform_permit', number: `K${i}`, jurisdictionCode: '440100', issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id, validFrom: '2025-01-01', validUntil: '2026-01-01' }) + '\n')
  const byKey = async (key: string) => (await gz.inject({ url: `/v1/licence-imports?idempotencyKey=${key}` })).json().items[0]

  // Two cities' connections: each sends a little, then next to nothing.
  const first = streamImport(port, gz.key, 'trickle-1')
  first.req.write(lines.join(''))
  const second = streamImport(port, xiamen.key)
  second.req.write(JSON.stringify({ type: 'platform_permit' }) + '\n')
  await eventually(async () => (await tableCounts(app)).imports, (n) => n === 2)
  const trickling = setInterval(() => { first.req.write(' '); second.req.write(' ') }, 150)
  t.teardown(() => clearInterval(trickling))
  const started = Date.now()
  t.equal((await nantong.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: lines[0]! })).statusCode, 503, 'while they hold both slots, a third city waits')

  t.match(await first.answer, { code: /ECONNRESET/ }, 'the trickling sender is cut off')
  t.match(await second.answer, { code: /ECONNRESET/ })
  clearInterval(trickling)
  t.ok(Date.now() - started < 5000, 'within a few beats')
  const third = await nantong.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: lines[0]! })
  t.equal(third.statusCode, 201, 'the freed slots serve the other cities')

  const interrupted = await eventually(() => byKey('trickle-1'), (i) => i?.status === 'interrupted')
  t.match(interrupted, { applied: 2000 }, 'its committed batch stays')
  const retry = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'trickle-1' }, payload: lines.join('') })
  t.match(retry.json(), { id: interrupted.id, status: 'completed', attempts: 2, lines: 2100, applied: 2100 })
})
