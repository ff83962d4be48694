import t from 'tap'
import type { InjectOptions } from 'fastify'
import { tableCounts, testApp } from './helpers/app.js'
import { actors, platformFor, type Client } from './helpers/actors.js'
import { issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'
import { importLimits } from '../src/modules/imports/resource.js'

/** A small deterministic generator (mulberry32): a failure names its seed and case, and replays. */
function generator (seed: number) {
  let a = seed
  const next = () => {
    a = (a + 0x6D2B79F5) | 0
    let r = Math.imul(a ^ (a >>> 15), 1 | a)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! }
}

const seed = 20261201

t.test('malformed requests across the licence routes: every refusal is a problem, and a refusal writes nothing', async (t) => {
  const app = await testApp(t, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: 100_000, RATE_LIMIT_PER_MINUTE: 100_000 })
  const { guangzhou: gz, anonymous } = await actors(app)
  const enterprise = await registerEnterprise(gz)
  const platform = await platformFor(app, enterprise.id)
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }
  const licence = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  // A completed import whose key a fuzzed body reuses.
  await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'fuzz-done' }, payload: JSON.stringify(licenceInput('platform_permit', base)) + '\n' })
  const { next, pick } = generator(seed)

  /** A JSON text broken in one of the ways a careless or hostile client breaks it. */
  const broken = (value: Record<string, unknown>): string | Buffer => {
    const text = JSON.stringify(value)
    const at = Math.floor(next() * text.length)
    switch (pick(['truncated', 'raw nul', 'nul in a name', 'nul in a value', 'wrong type', 'unknown field', 'proto', 'deep', 'huge', 'empty', 'not utf-8', 'array', 'trailing'] as const)) {
      case 'truncated': return text.slice(0, at)
      case 'raw nul': return text.slice(0, at) + '\u0000' + text.slice(at)
      case 'nul in a name': return JSON.stringify({ ...value, [`x\u0000${at}`]: 1 })
      case 'nul in a value': return JSON.stringify({ ...value, [pick(Object.keys(value))]: `a\u0000${at}` })
      case 'wrong type': return JSON.stringify({ ...value, [pick(Object.keys(value))]: pick([1, true, null, [], {}, -0.5]) })
      case 'unknown field': return JSON.stringify({ ...value, [pick(['status', 'id', 'version', 'importId', 'idNumberHash'])]: 'x' })
      case 'proto': return text.replace('{', '{"__proto__":{"admin":true},')
      case 'deep': return '['.repeat(5000) + ']'.repeat(5000)
      case 'huge': return JSON.stringify({ ...value, number: 'x'.repeat(1_100_000) })
      case 'empty': return ''
      case 'not utf-8': return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(text.slice(at))])
      case 'array': return `[${text}]`
      case 'trailing': return `${text} x`
    }
  }
  const contentType = () => pick(['application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/x-ndjson', 'text/csv', 'application/octet-stream', 'text/plain', 'application/merge-patch+json'])
  const oddHeaders = (): Record<string, string> => pick<Record<string, string>>([
    {},
    {},
    { 'idempotency-key': pick(['', ' ', 'a'.repeat(300), 'ключ', 'a b', 'fuzz-done']) },
    { 'if-match': pick(['', '1', '"x"', 'W/"1"', '*', '"1", "2"']) },
    { authorization: pick(['Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${'A'.repeat(300)}`, 'Bearer poa_aaaaaaaaaaaa_short']) }
  ])

  let serial = 0
  /** An import whose first batch commits before a broken line arrives (batches of 5 here): it must complete, the line refused. */
  const brokenImport = () => {
    const lines = Array.from({ length: 8 }, () => JSON.stringify(licenceInput('platform_permit', base, { number: `F${++serial}` })))
    lines[5 + Math.floor(next() * 3)] = String(broken(licenceInput('platform_permit', base, { number: `F${++serial}` })))
    return lines.join('\n') + '\n'
  }
  const ndjson = { 'content-type': 'application/x-ndjson' }
  type Fuzzed = { who: Client, request: InjectOptions & { url: string }, expect?: number }
  const imports: Array<() => Fuzzed> = [
    () => ({ who: gz, request: { method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, ...pick([{}, { 'idempotency-key': `fuzz-${serial}` }]) }, payload: brokenImport() }, expect: 201 }),
    () => ({ who: gz, request: { method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': pick(['fuzz-empty', 'fuzz-done']) }, payload: pick(['', '\n\n', ' \r\n', '\t\n\n']) }, expect: 400 }),
    () => ({ who: gz, request: { method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': pick(['application/json', 'text/csv', 'application/octet-stream', 'text/plain']) }, payload: brokenImport() }, expect: 415 }),
    () => ({ who: platform, request: { method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: brokenImport() }, expect: 403 }),
    () => ({ who: anonymous, request: { method: 'POST', url: '/v1/licence-imports', headers: ndjson, payload: brokenImport() }, expect: 401 }),
    () => ({ who: gz, request: { method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': 'fuzz-done' }, payload: brokenImport() }, expect: 422 }),
    () => ({ who: gz, request: { method: 'POST', url: '/v1/licence-imports', headers: { ...ndjson, 'idempotency-key': pick(['a'.repeat(300), 'ключ', 'a b']) }, payload: brokenImport() }, expect: 400 })
  ]
  const requests: Array<() => Fuzzed> = [
    () => pick(imports)(),
    () => ({ who: gz, request: { method: 'POST', url: '/v1/licences', headers: { 'content-type': contentType(), ...oddHeaders() }, payload: broken(licenceInput(pick(['platform_permit', 'vehicle_certificate', 'driver_certificate', 'car_share_filing'] as const), base)) } }),
    () => ({ who: gz, request: { method: 'POST', url: '/v1/licences/driver-lookup', headers: { 'content-type': contentType(), ...oddHeaders() }, payload: broken({ idNumber: '440106199001011234', jurisdictionCode: '440100' }) } }),
    () => ({ who: gz, request: { method: 'POST', url: `/v1/licences/${pick([licence.id, 'not-a-uuid', '01900000-0000-7000-8000-000000000000'])}/transitions`, headers: { 'content-type': contentType(), 'if-match': '"1"', ...oddHeaders() }, payload: broken({ action: pick(['suspend', 'renew', 'revoke']), reason: '核查中', validUntil: '2031-01-01' }) } }),
    () => ({ who: anonymous, request: { method: 'POST', url: '/v1/public/licences/verify', headers: { 'content-type': contentType(), ...oddHeaders() }, payload: broken({ plate: '粤A12345' }) } }),
    () => ({ who: anonymous, request: { url: `/v1/public/licences/verify?${pick(['plate=%00', 'plate=%E7%B2', 'type=platform_permit&number=A%00B', `number=${'9'.repeat(70)}&type=platform_permit`, 'plate=粤A12345&plate=粤A12346', 'jurisdiction=44010', 'x=1', 'type=%00&number=1'])}` } }),
    () => ({ who: gz, request: { url: `/v1/licences?${pick(['limit=0', 'limit=abc', 'cursor=%00', 'cursor=abc.def', 'status=%00', 'plate=%00', 'expiringWithinDays=1e9', 'enterprise=%00', 'sort=x'])}` } }),
    () => pick(imports)()
  ]

  const saved = { ...importLimits }
  t.teardown(() => Object.assign(importLimits, saved))
  importLimits.batchLines = 5
  let refusals = 0
  let before = await tableCounts(app)
  const started = Date.now()
  for (let i = 0; i < 300; i++) {
    const { who, request, expect } = pick(requests)()
    const res = await who.inject(request)
    const name = `case ${i} (seed ${seed}): ${request.method ?? 'GET'} ${request.url.slice(0, 80)} ${JSON.stringify(request.headers ?? {}).slice(0, 120)}`
    if (res.statusCode >= 500 || (expect && res.statusCode !== expect)) t.fail(`${name}: ${res.statusCode}${expect ? ` (expected ${expect})` : ''} ${res.body.slice(0, 300)}`)
    if (expect === 201 && res.json().status !== 'completed') t.fail(`${name}: the import did not complete: ${res.body.slice(0, 300)}`)
    const after = await tableCounts(app)
    if (res.statusCode >= 400) {
      refusals++
      const problem = res.json()
      if (res.headers['content-type'] !== 'application/problem+json; charset=utf-8' || typeof problem.code !== 'string' || problem.status !== res.statusCode || typeof problem.requestId !== 'string') {
        t.fail(`${name}: not a problem: ${res.body.slice(0, 300)}`)
      }
      if (JSON.stringify(after) !== JSON.stringify(before)) t.same(after, before, `${name}: ${res.statusCode} ${problem.code} wrote nothing`)
    }
    before = after
  }
  t.ok(refusals > 150, `${refusals} of 300 refused, each a problem that wrote nothing (${Date.now() - started} ms)`)
})
