import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { jsonSyntaxMessage } from '../src/modules/imports/engine.js'
import { importLimits } from '../src/modules/imports/resource.js'
import { sampleResidentId, samplePlate, sampleVin } from '../src/seed/licence-samples.js'
import { actors, platformFor } from './helpers/actors.js'
import { tableCounts, testApp } from './helpers/app.js'
import { registerEnterprise } from './helpers/fixtures.js'

// These tests cross batch boundaries at 2,000 lines (dropped after the first batch, resumed at
// the second): the engine's batches are the same at any size, and these bodies stay small.
importLimits.batchLines = 2000

const ndjson = { 'content-type': 'application/x-ndjson' }

t.test('bulk import', async (t) => {
  // No minimum rate here: a test below holds a connection open on purpose (the minimum has its own test).
  const app = await testApp(t, { IMPORT_MIN_BYTES_PER_MINUTE: 0 })
  const { guangzhou: gz, xiamen } = await actors(app)
  const enterprise = await registerEnterprise(gz)
  const platform = await platformFor(app, enterprise.id)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }

  /** n vehicle certificate lines numbered `${prefix}-0` … */
  const linesOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({
    type: 'vehicle_certificate',
    number: `${prefix}-${i}`,
    jurisdictionCode: '440100',
    issuingAgencyId: gz.agency.id,
    enterpriseId: enterprise.id,
    validFrom: '2025-01-01',
    validUntil: '2029-12-31',
    plate: samplePlate('粤A', i),
    plateColour: 'blue',
    vin: sampleVin(i)
  }) + '\n')
  const countOf = async (prefix: string) => rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from licences where number like ${prefix + '-%'}`))[0]!.n
  const findByKey = async (key: string) => (await gz.inject({ url: `/v1/licence-imports?idempotencyKey=${key}` })).json().items[0]

  /** A streaming request over a real socket, written piece by piece as a client would. */
  function open (key: string): { req: ClientRequest, answer: Promise<{ status: number, body: string }> } {
    const req = httpRequest({ port, method: 'POST', path: '/v1/licence-imports', headers: { ...ndjson, authorization: `Bearer ${gz.key}`, 'idempotency-key': key } })
    const answer = new Promise<{ status: number, body: string }>((resolve, reject) => {
      req.on('response', (res: IncomingMessage) => {
        let body = ''
        res.setEncoding('utf8').on('data', (c: string) => { body += c }).on('end', () => resolve({ status: res.statusCode!, body }))
      })
      req.on('error', reject)
    })
    return { req, answer }
  }
  async function until<T> (what: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const value = await what()
      if (done(value)) return value
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error('timed out waiting')
  }

  /** Sends 2,500 of the lines, waits until 2,000 are committed, drops the connection; the import as it is left. */
  async function dropAfter2000 (lines: string[], key: string) {
    const { req, answer } = open(key)
    answer.catch(() => {})
    req.write(lines.slice(0, 2500).join(''))
    await until(() => findByKey(key), (i) => i?.applied >= 2000)
    req.destroy()
    return until(() => findByKey(key), (i) => i.status === 'interrupted')
  }

  t.test('progress is visible while lines stream in; the same key meanwhile is 409; then it completes', async (t) => {
    const lines = linesOf('P', 3000)
    const { req, answer } = open('progress-1')
    req.write(lines.slice(0, 2500).join(''))
    const midway = await until(() => findByKey('progress-1'), (i) => i?.lines >= 2000)
    t.match(midway, { status: 'receiving', applied: 2000, rejected: 0, finishedAt: null })
    const meanwhile = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'progress-1' }, payload: lines.join('') })
    t.equal(meanwhile.statusCode, 409)
    t.match(meanwhile.json(), { code: 'idempotency_request_in_flight', detail: new RegExp(midway.id) })
    t.equal(meanwhile.headers['retry-after'], '5')
    req.end(lines.slice(2500).join(''))
    const { status, body } = await answer
    t.equal(status, 201)
    t.match(JSON.parse(body), { id: midway.id, status: 'completed', attempts: 1, lines: 3000, applied: 3000, rejected: 0, errors: [] })
    t.equal(await countOf('P'), 3000)
    const [audit] = rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from audit_events where entity_id = ${midway.id} and action = 'licence_import.batch_committed'`))
    t.equal(audit!.n, Math.ceil(3000 / importLimits.batchLines), 'one audit event per committed batch')
    const replay = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'progress-1' }, payload: lines.join('') })
    t.equal(replay.statusCode, 201, 'the replay answers as the import did')
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.same(replay.json(), JSON.parse(body))
  })

  t.test('a dropped connection leaves an interrupted import; the retry under the same key applies nothing twice', async (t) => {
    const lines = linesOf('R', 3000)
    const interrupted = await dropAfter2000(lines, 'retry-1')
    t.equal(interrupted.applied, 2000, 'the batches committed before the drop stay')
    t.equal(await countOf('R'), 2000)

    const retry = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'retry-1' }, payload: lines.join('') })
    t.equal(retry.statusCode, 200)
    t.match(retry.json(), { id: interrupted.id, status: 'completed', attempts: 2, lines: 3000, applied: 3000, rejected: 0, errors: [] })
    t.equal(await countOf('R'), 3000, 'every line once')
    const [batches] = rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from audit_events where entity_id = ${interrupted.id} and action = 'licence_import.batch_committed'`))
    t.equal(batches!.n, Math.ceil(3000 / importLimits.batchLines), 'each line checked once: the retry skipped the committed batches')

    const before = await tableCounts(app)
    const replay = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'retry-1' }, payload: lines.join('') })
    t.equal(replay.statusCode, 200)
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.same(replay.json(), retry.json())
    const other = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'retry-1' }, payload: lines.slice(1).join('') })
    t.equal(other.statusCode, 422)
    t.match(other.json(), { code: 'idempotency_key_reused', errors: [{ in: 'header', pointer: '/idempotency-key' }] })
    t.same(await tableCounts(app), before, 'neither the replay nor the refused body wrote anything')
  })

  t.test('a retry with another body under the key of an interrupted import is refused before anything is applied', async (t) => {
    const lines = linesOf('D', 3000)
    const interrupted = await dropAfter2000(lines, 'different-1')
    const before = await tableCounts(app)
    const changed = [...lines]
    changed[10] = changed[10]!.replace('2029-12-31', '2030-12-31')
    const other = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'different-1' }, payload: changed.join('') })
    t.equal(other.statusCode, 422)
    t.match(other.json(), { code: 'idempotency_key_reused', errors: [{ in: 'header', pointer: '/idempotency-key' }] })
    const shorter = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'different-1' }, payload: lines.slice(0, 1500).join('') })
    t.equal(shorter.statusCode, 422, 'a body that ends inside the committed part is another body too')
    t.same(await tableCounts(app), before, 'nothing applied')
    t.same(await findByKey('different-1'), interrupted, 'the import is as it was: not even an attempt is counted')
    const right = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'different-1' }, payload: lines.join('') })
    t.equal(right.statusCode, 200)
    t.match(right.json(), { id: interrupted.id, status: 'completed', lines: 3000, applied: 3000, rejected: 0 })
    t.equal(await countOf('D'), 3000)
  })

  t.test('a live but slow sender keeps its import; a silent one is taken over, and its own request then commits nothing', async (t) => {
    const saved = { ...importLimits }
    t.teardown(() => Object.assign(importLimits, saved))
    Object.assign(importLimits, { heartbeatMs: 50, staleAfterMs: 400 })
    const slow = open('slow-1')
    slow.req.write(linesOf('S', 10).join(''))
    await until(() => findByKey('slow-1'), (i) => i !== undefined)
    await new Promise((resolve) => setTimeout(resolve, 900))
    const meanwhile = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'slow-1' }, payload: linesOf('S', 10).join('') })
    t.equal(meanwhile.statusCode, 409, 'the heartbeat shows it is alive')
    t.equal(meanwhile.json().code, 'idempotency_request_in_flight')
    slow.req.end()
    t.match(JSON.parse((await slow.answer).body), { status: 'completed', applied: 10 })

    // Silent: no heartbeat within the stale time, so a retry takes it over and finishes it.
    Object.assign(importLimits, { heartbeatMs: 60_000, staleAfterMs: 0 })
    const lines = linesOf('T', 2500)
    const first = open('takeover-1')
    first.req.write(lines.slice(0, 2100).join(''))
    await until(() => findByKey('takeover-1'), (i) => i?.applied >= 2000)
    const retry = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'takeover-1' }, payload: lines.join('') })
    t.equal(retry.statusCode, 200, retry.body)
    t.match(retry.json(), { status: 'completed', attempts: 2, lines: 2500, applied: 2500 })
    first.req.end(lines.slice(2100).join(''))
    const late = await first.answer
    t.equal(late.status, 409)
    t.match(JSON.parse(late.body), { code: 'import_superseded' })
    t.equal(await countOf('T'), 2500, 'every line once')
    t.match(await findByKey('takeover-1'), { status: 'completed', attempts: 2, lines: 2500, applied: 2500 })
  })

  t.test('a NUL character, raw or escaped in a field name or value, is one refused line: the import completes', async (t) => {
    const lines = linesOf('Z', 2600)
    // After a committed batch: a raw NUL byte, NUL in a field name, NUL in values, in one line each.
    lines[2500] = lines[2500]!.replace('"Z-2500"', '"Z-\u0000"')
    lines[2501] = JSON.stringify({ ...JSON.parse(lines[2501]!), 'note\u0000': 'x' }) + '\n'
    lines[2502] = JSON.stringify({ ...JSON.parse(lines[2502]!), number: 'Z\u00002502' }) + '\n'
    lines[2503] = JSON.stringify({ ...JSON.parse(lines[2503]!), plate: '粤A\u000012345' }) + '\n'
    lines[2504] = `\u0000${lines[2504]!}`
    t.ok(lines[2500]!.includes('\u0000') && lines[2501]!.includes('\\u0000'), 'raw and escaped, as sent')
    const body = lines.join('')
    const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'nul-1' }, payload: body })
    t.equal(res.statusCode, 201, res.body)
    const report = res.json()
    t.match(report, { status: 'completed', lines: 2600, applied: 2595, rejected: 5 })
    t.same(report.errors.map((e: { line: number, code: string, errors: Array<{ pointer: string, code: string }> }) => [e.line, e.code, e.errors[0]!.pointer, e.errors[0]!.code]), [
      [2501, 'malformed_json', '', 'nul_character'],
      [2502, 'validation_failed', '', 'nul_character'],
      [2503, 'validation_failed', '/number', 'number_format'],
      [2504, 'invalid_plate', '/plate', report.errors[3].errors[0].code],
      [2505, 'malformed_json', '', 'nul_character']
    ])
    t.notOk(res.body.includes('\\u0000') || res.body.includes('\u0000'), 'no NUL in the report, raw or escaped')
    t.same((await gz.inject({ url: `/v1/licence-imports/${report.id}/errors` })).json().items, report.errors, 'stored as reported')
    t.equal(await countOf('Z'), 2595)
    const replay = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'nul-1' }, payload: body })
    t.equal(replay.headers['idempotent-replayed'], 'true', 'a retry with the same key replays the completed import')
    t.same(replay.json(), report)
  })

  t.test('an empty import is refused with a problem: nothing is written and its Idempotency-Key stays unused', async (t) => {
    for (const payload of ['', '\n', '\n  \r\n\t\n\u3000\n']) {
      const before = await tableCounts(app)
      const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'empty-1' }, payload })
      t.equal(res.statusCode, 400, JSON.stringify(payload))
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.match(res.json(), { code: 'empty_import', errors: [{ in: 'body', pointer: '', code: 'empty_import' }] })
      t.same(await tableCounts(app), before, 'nothing written')
    }
    const real = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'empty-1' }, payload: linesOf('Y', 2).join('') })
    t.equal(real.statusCode, 201, 'the key is still free for a real import')
    t.match(real.json(), { attempts: 1, lines: 2, applied: 2 })
  })

  t.test('driver certificates numbered with ID numbers import like any other; a repeated one is reported masked', async (t) => {
    const idNumber = sampleResidentId('440106', '19920229', 31)
    const driver = JSON.stringify({ type: 'driver_certificate', number: idNumber, jurisdictionCode: '440100', issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id, validFrom: '2025-01-01', validUntil: '2029-12-31', idNumber })
    const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: `${driver}\n${driver}\n` })
    t.match(res.json(), { applied: 1, rejected: 1, errors: [{ line: 2, code: 'licence_number_taken', errors: [{ message: /numbered 440106\*{8}\d{3}[\dX] in 440100 is already on line 1 of this import/ }] }] })
    t.notOk(res.body.includes(idNumber.slice(6, 14)), 'the report never holds the number')
  })

  t.test('a line that is not JSON is reported without quoting it: it may hold personal data', async (t) => {
    const idNumber = sampleResidentId('440106', '19900101', 5)
    const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: `{"type": "driver_certificate", "idNumber": '${idNumber}'}\n{"idNumber": "${idNumber}", x}\n` })
    t.equal(res.statusCode, 201)
    t.same(res.json().errors.map((e: { errors: Array<{ code: string }> }) => e.errors[0]!.code), ['malformed_json', 'malformed_json'])
    t.match(res.json().errors[1].errors[0].message, /^not JSON: Expected double-quoted property name at character \d+$/)
    t.notOk(res.body.includes(idNumber.slice(0, 8)), 'no piece of the number in the report')
  })

  t.test('without a key, sending the same lines again applies nothing: each is reported as taken', async (t) => {
    const body = linesOf('N', 5).join('')
    const first = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: body })
    t.match(first.json(), { applied: 5, rejected: 0 })
    const second = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: body })
    t.equal(second.statusCode, 201)
    t.match(second.json(), { applied: 0, rejected: 5 })
    t.ok(second.json().errors.every((e: { code: string }) => e.code === 'licence_number_taken'))
    t.equal(await countOf('N'), 5)
  })

  t.test('line endings, blank lines, overlong lines; every refused line is listed page by page', async (t) => {
    const good = linesOf('E', 3).map((l) => l.trimEnd())
    const long = JSON.stringify({ type: 'platform_permit', number: 'x'.repeat(20_000) })
    const body = [good[0], '', '   ', long, good[1] + '\r', '[]', 'null', good[2]].join('\n')
    const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: body })
    t.equal(res.statusCode, 201)
    const report = res.json()
    t.match(report, { lines: 6, applied: 3, rejected: 3 })
    t.same(report.errors.map((e: { line: number, code: string }) => [e.line, e.code]), [[4, 'payload_too_large'], [6, 'validation_failed'], [7, 'validation_failed']])
    const page1 = await gz.inject({ url: `/v1/licence-imports/${report.id}/errors?limit=2` })
    const page2 = await gz.inject({ url: `/v1/licence-imports/${report.id}/errors?limit=2&cursor=${page1.json().nextCursor}` })
    t.same([...page1.json().items, ...page2.json().items], report.errors)
    t.equal(page2.json().nextCursor, null)
    t.match((await gz.inject({ url: `/v1/licence-imports/${report.id}` })).json(), { id: report.id, errors: report.errors })
  })

  t.test('an import belongs to its agency: another city and platforms cannot read it', async (t) => {
    const [mine] = (await gz.inject({ url: '/v1/licence-imports?status=completed' })).json().items
    t.ok(mine)
    t.equal((await xiamen.inject({ url: `/v1/licence-imports/${mine.id}` })).statusCode, 404)
    t.same((await xiamen.inject({ url: '/v1/licence-imports' })).json().items, [])
    t.equal((await platform.inject({ url: `/v1/licence-imports/${mine.id}` })).statusCode, 403)
    t.equal((await platform.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: linesOf('X', 1).join('') })).statusCode, 403)
  })
})

t.test('an import larger than IMPORT_MAX_LINES stops at the limit and says where', async (t) => {
  const app = await testApp(t, { IMPORT_MAX_LINES: 2 })
  const { guangzhou: gz } = await actors(app)
  const line = (n: number) => JSON.stringify({ type: 'platform_permit', number: `L${n}`, jurisdictionCode: '440100', issuingAgencyId: gz.agency.id, enterpriseId: '01900000-0000-7000-8000-000000000000', validFrom: '2025-01-01', validUntil: '2026-01-01' })
  const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: [1, 2, 3, 4].map(line).join('\n') })
  t.equal(res.statusCode, 201)
  t.match(res.json(), { lines: 2, rejected: 3 })
  t.match(res.json().errors.at(-1), { line: 3, code: 'payload_too_large', errors: [{ code: 'import_too_large' }] })

  const overlong = 'x'.repeat(importLimits.maxLineBytes + 1)
  const flood = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: [line(5), line(6), ...Array(50).fill(overlong), line(7)].join('\n') })
  t.match(flood.json(), { lines: 2, rejected: 3 }, 'overlong lines count against the limit too: no more is read past it')
  t.same(flood.json().errors.map((e: { line: number }) => e.line), [1, 2, 3])
})

t.test('a line that is not JSON is told where, in words that never quote the line', async (t) => {
  const idNumber = sampleResidentId('440106', '19900101', 5)
  const messageOf = (text: string) => { try { JSON.parse(text) } catch (err) { return jsonSyntaxMessage(err as Error) } }
  t.equal(messageOf('{"a":1 "b"}'), "Expected ',' or '}' after property value at character 8")
  t.equal(messageOf('{a:1}'), "Expected property name or '}' at character 2")
  t.equal(messageOf('{"a":1} x'), 'Unexpected non-whitespace character after JSON at character 9')
  t.equal(messageOf('{"a":"x'), 'Unterminated string at character 8')
  t.equal(messageOf('[1,]'), "Unexpected token ']'")
  t.equal(messageOf('{"a":1'), "Expected ',' or '}' after property value at character 7")
  t.equal(messageOf(''), 'Unexpected end of JSON input')
  for (const text of [`{"idNumber": '${idNumber}'}`, `{"type": "driver_certificate", "number": "x", "idNumber": '${idNumber}'}`]) {
    t.equal(messageOf(text), "Unexpected token '''", 'the quoted piece of the line is left out')
  }
})
