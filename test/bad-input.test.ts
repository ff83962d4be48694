import t from 'tap'
import { createAgency, enterpriseInput, registerEnterprise } from './helpers/fixtures.js'
import { tableCounts, testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'

interface Case {
  name: string
  method?: 'GET' | 'POST' | 'PATCH'
  url: string | ((ids: Ids) => string)
  headers?: Record<string, string>
  payload?: string | object
  status: number
  code: string
  pointer?: { in: string, pointer: string, code?: string }
}

interface Ids { enterprise: string, agency: string, agencyCursor: string, enterpriseCursor: string }

const cases: Case[] = [
  { name: 'malformed JSON', method: 'POST', url: '/v1/enterprises', headers: { 'content-type': 'application/json' }, payload: '{"uscc": "9144', status: 400, code: 'malformed_json' },
  { name: 'empty JSON body', method: 'POST', url: '/v1/enterprises', headers: { 'content-type': 'application/json' }, payload: '', status: 400, code: 'malformed_json' },
  { name: 'prototype poisoning', method: 'POST', url: '/v1/enterprises', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": {"admin": true}}', status: 400, code: 'malformed_json' },
  { name: 'wrong content type', method: 'POST', url: '/v1/enterprises', headers: { 'content-type': 'text/plain' }, payload: 'uscc=1', status: 415, code: 'unsupported_media_type', pointer: { in: 'header', pointer: '/content-type', code: 'unsupported_media_type' } },
  { name: 'form-encoded body', method: 'POST', url: '/v1/agencies', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'nameZh=x', status: 415, code: 'unsupported_media_type' },
  { name: 'oversized body', method: 'POST', url: '/v1/enterprises', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ ...enterpriseInput(), nameZh: 'x'.repeat(1_100_000) }), status: 413, code: 'payload_too_large' },
  { name: 'body is an array', method: 'POST', url: '/v1/enterprises', payload: [enterpriseInput()], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '', code: 'type' } },
  { name: 'unknown field', method: 'POST', url: '/v1/enterprises', payload: { ...enterpriseInput(), creditGrade: 'A' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/creditGrade', code: 'unknown_field' } },
  { name: 'status set on create', method: 'POST', url: '/v1/enterprises', payload: { ...enterpriseInput(), status: 'active' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/status', code: 'unknown_field' } },
  { name: 'missing name', method: 'POST', url: '/v1/enterprises', payload: { ...enterpriseInput(), nameZh: undefined }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/nameZh', code: 'required' } },
  { name: 'a number where a string belongs is not coerced', method: 'POST', url: '/v1/enterprises', payload: { ...enterpriseInput(), nameZh: 12345 }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/nameZh', code: 'type' } },
  { name: 'a string where an array belongs is not coerced', method: 'POST', url: '/v1/enterprises', payload: { ...enterpriseInput(), sectors: 'ride_hailing' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/sectors', code: 'type' } },
  { name: 'USCC of wrong length', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: '91440106MA59ABCD1' }), status: 400, code: 'invalid_uscc', pointer: { in: 'body', pointer: '/uscc', code: 'uscc_length' } },
  { name: 'USCC with a letter never used (O)', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: '91440106MO59ABCD1M' }), status: 400, code: 'invalid_uscc', pointer: { in: 'body', pointer: '/uscc', code: 'uscc_character' } },
  { name: 'USCC with a bad check character', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: '91350200M000000510' }), status: 400, code: 'invalid_uscc', pointer: { in: 'body', pointer: '/uscc', code: 'uscc_check_character' } },
  { name: 'unknown jurisdiction code', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ jurisdictionCodes: ['440106', '999999'] }), status: 422, code: 'unknown_jurisdiction', pointer: { in: 'body', pointer: '/jurisdictionCodes/1' } },
  { name: 'jurisdiction code not of six digits', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ jurisdictionCodes: ['4401'] }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/jurisdictionCodes/0', code: 'pattern' } },
  { name: 'no jurisdiction', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ jurisdictionCodes: [] }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/jurisdictionCodes', code: 'min_items' } },
  { name: 'invalid sector', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ sectors: ['scooter_share'] }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/sectors/0', code: 'enum' } },
  { name: 'repeated sector', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ sectors: ['bike_share', 'bike_share'] }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/sectors', code: 'unique_items' } },
  { name: 'Idempotency-Key too long', method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'k'.repeat(300) }, payload: enterpriseInput(), status: 400, code: 'validation_failed', pointer: { in: 'header', pointer: '/idempotency-key', code: 'max_length' } },
  { name: 'agency of unknown kind', method: 'POST', url: '/v1/agencies', payload: { nameZh: '某局', kind: 'ministry_of_magic', jurisdictionCode: '440100' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/kind', code: 'enum' } },
  { name: 'agency in an unknown jurisdiction', method: 'POST', url: '/v1/agencies', payload: { nameZh: '某局', kind: 'transport', jurisdictionCode: '123456' }, status: 422, code: 'unknown_jurisdiction', pointer: { in: 'body', pointer: '/jurisdictionCode' } },
  { name: 'limit=0', url: '/v1/enterprises?limit=0', status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/limit', code: 'minimum' } },
  { name: 'limit=10000', url: '/v1/enterprises?limit=10000', status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/limit', code: 'maximum' } },
  { name: 'limit not a number', url: '/v1/agencies?limit=ten', status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/limit', code: 'type' } },
  { name: 'unknown filter', url: '/v1/enterprises?sectr=bike_share', status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/sectr', code: 'unknown_field' } },
  { name: 'invalid sector filter', url: '/v1/enterprises?sector=taxi', status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/sector', code: 'enum' } },
  { name: 'unknown jurisdiction filter', url: '/v1/enterprises?jurisdiction=999999', status: 422, code: 'unknown_jurisdiction', pointer: { in: 'query', pointer: '/jurisdiction' } },
  { name: 'forged cursor', url: '/v1/enterprises?cursor=eyJsIjoiZW50ZXJwcmlzZXMifQ.AAAAAAAAAAAAAAAAAAAAAA', status: 400, code: 'invalid_cursor', pointer: { in: 'query', pointer: '/cursor' } },
  { name: 'garbage cursor', url: '/v1/enterprises?cursor=not-a-cursor', status: 400, code: 'invalid_cursor', pointer: { in: 'query', pointer: '/cursor' } },
  { name: 'cursor from another list', url: (ids) => `/v1/enterprises?cursor=${ids.agencyCursor}`, status: 400, code: 'invalid_cursor', pointer: { in: 'query', pointer: '/cursor' } },
  { name: 'cursor with other filters', url: (ids) => `/v1/enterprises?sector=bike_share&cursor=${ids.enterpriseCursor}`, status: 400, code: 'invalid_cursor', pointer: { in: 'query', pointer: '/cursor' } },
  { name: 'update without If-Match', method: 'PATCH', url: (ids) => `/v1/enterprises/${ids.enterprise}`, payload: { nameZh: '新名' }, status: 428, code: 'precondition_required', pointer: { in: 'header', pointer: '/if-match', code: 'required' } },
  { name: 'update with a stale If-Match', method: 'PATCH', url: (ids) => `/v1/enterprises/${ids.enterprise}`, headers: { 'if-match': '"7"' }, payload: { nameZh: '新名' }, status: 412, code: 'precondition_failed', pointer: { in: 'header', pointer: '/if-match', code: 'stale' } },
  { name: 'update with a weak If-Match', method: 'PATCH', url: (ids) => `/v1/enterprises/${ids.enterprise}`, headers: { 'if-match': 'W/"1"' }, payload: { nameZh: '新名' }, status: 412, code: 'precondition_failed', pointer: { in: 'header', pointer: '/if-match', code: 'no_such_version' } },
  { name: 'status change without If-Match', method: 'POST', url: (ids) => `/v1/enterprises/${ids.enterprise}/status-changes`, payload: { status: 'suspended', reason: 'x' }, status: 428, code: 'precondition_required' },
  { name: 'status change with a stale If-Match', method: 'POST', url: (ids) => `/v1/enterprises/${ids.enterprise}/status-changes`, headers: { 'if-match': '"2"' }, payload: { status: 'suspended', reason: 'x' }, status: 412, code: 'precondition_failed' },
  { name: 'status change to an unknown status', method: 'POST', url: (ids) => `/v1/enterprises/${ids.enterprise}/status-changes`, headers: { 'if-match': '"1"' }, payload: { status: 'deleted', reason: 'x' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/status', code: 'enum' } },
  { name: 'status change without a reason', method: 'POST', url: (ids) => `/v1/enterprises/${ids.enterprise}/status-changes`, headers: { 'if-match': '"1"' }, payload: { status: 'suspended' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/reason', code: 'required' } },
  { name: 'agency update with a stale If-Match', method: 'PATCH', url: (ids) => `/v1/agencies/${ids.agency}`, headers: { 'if-match': '"9"' }, payload: { nameEn: 'x' }, status: 412, code: 'precondition_failed' },
  { name: 'USCC cannot be changed by update', method: 'PATCH', url: (ids) => `/v1/enterprises/${ids.enterprise}`, headers: { 'if-match': '"1"' }, payload: { uscc: '91440106MA59ABCD1M' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/uscc', code: 'unknown_field' } },
  { name: 'status cannot be changed by update', method: 'PATCH', url: (ids) => `/v1/enterprises/${ids.enterprise}`, headers: { 'if-match': '"1"' }, payload: { status: 'exited' }, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/status', code: 'unknown_field' } },
  { name: 'empty update', method: 'PATCH', url: (ids) => `/v1/enterprises/${ids.enterprise}`, headers: { 'if-match': '"1"' }, payload: {}, status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '', code: 'min_properties' } },
  { name: 'unknown route', url: '/v1/enterprise', status: 404, code: 'route_not_found' },
  { name: 'malformed percent-encoding in a path', url: '/v1/enterprises/%ZZ', status: 400, code: 'bad_request', pointer: { in: 'path', pointer: '', code: 'malformed_percent_encoding' } },
  { name: 'malformed percent-encoding on a probe', url: '/healthz%ZZ', status: 400, code: 'bad_request', pointer: { in: 'path', pointer: '', code: 'malformed_percent_encoding' } },
  { name: 'overlong path segment', url: `/v1/enterprises/${'a'.repeat(300)}`, status: 414, code: 'uri_too_long' },
  { name: 'unknown method on a route', method: 'PATCH', url: '/v1/public/jurisdictions/440100', payload: {}, status: 405, code: 'method_not_allowed' },
  { name: 'unknown enterprise id', url: '/v1/enterprises/01900000-0000-7000-8000-000000000000', status: 404, code: 'not_found' },
  { name: 'unknown enterprise on update', method: 'PATCH', url: '/v1/enterprises/01900000-0000-7000-8000-000000000000', headers: { 'if-match': '"1"' }, payload: { nameZh: 'x' }, status: 404, code: 'not_found' },
  { name: 'unknown enterprise history', url: '/v1/enterprises/01900000-0000-7000-8000-000000000000/status-changes', status: 404, code: 'not_found' },
  { name: 'unknown agency id', url: '/v1/agencies/01900000-0000-7000-8000-000000000000', status: 404, code: 'not_found' },
  { name: 'id with a urn:uuid: prefix', url: '/v1/enterprises/urn:uuid:01900000-0000-7000-8000-000000000000', status: 400, code: 'validation_failed', pointer: { in: 'path', pointer: '/id', code: 'pattern' } },
  { name: 'NUL character in a filter', url: '/v1/enterprises?name=%00', status: 400, code: 'bad_request' },
  { name: 'NUL character in a name', method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ nameZh: 'a\u0000b' }), status: 400, code: 'bad_request' },
  { name: 'audit from a date PostgreSQL cannot hold', url: '/v1/audit?from=0000-01-01T00:00:00Z', status: 400, code: 'bad_request' },
  { name: 'malformed id', url: '/v1/enterprises/42', status: 400, code: 'validation_failed', pointer: { in: 'path', pointer: '/id', code: 'pattern' } },
  { name: 'unknown jurisdiction', url: '/v1/public/jurisdictions/999999', status: 404, code: 'not_found' },
  { name: 'malformed jurisdiction code', url: '/v1/public/jurisdictions/44', status: 400, code: 'validation_failed', pointer: { in: 'path', pointer: '/code', code: 'pattern' } }
]

t.test('bad input gets a clear problem and writes nothing', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou } = await actors(app)
  const enterprise = await registerEnterprise(guangzhou)
  const agency = await createAgency(admin)
  await createAgency(admin)
  await registerEnterprise(guangzhou)
  const ids: Ids = {
    enterprise: enterprise.id,
    agency: agency.id,
    agencyCursor: (await admin.inject({ url: '/v1/agencies?limit=1' })).json().nextCursor,
    enterpriseCursor: (await guangzhou.inject({ url: '/v1/enterprises?limit=1' })).json().nextCursor
  }
  t.ok(ids.agencyCursor && ids.enterpriseCursor, 'cursors to misuse')

  for (const c of cases) {
    t.test(c.name, async (t) => {
      const before = await tableCounts(app)
      const payload = typeof c.payload === 'string' || c.payload === undefined ? c.payload : JSON.stringify(c.payload)
      const headers = { ...(payload !== undefined && typeof c.payload !== 'string' ? { 'content-type': 'application/json' } : {}), ...c.headers }
      const url = typeof c.url === 'function' ? c.url(ids) : c.url
      // Agencies are the admin's; everything else here is the Guangzhou regulator's.
      const caller = url.startsWith('/v1/agencies') ? admin : guangzhou
      const res = await caller.inject({ method: c.method ?? 'GET', url, headers, payload })
      t.equal(res.statusCode, c.status, 'status')
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      const problem = res.json()
      t.equal(problem.code, c.code, 'problem code')
      t.equal(problem.status, c.status)
      t.match(problem, { type: `https://platform-oversight.example/problems/${c.code}`, title: String, detail: String, requestId: res.headers['x-request-id'] })
      if (c.pointer) t.match(problem.errors, [c.pointer], 'pointer')
      t.equal(problem.instance, url.split('?')[0], 'instance')
      t.equal(res.headers['x-content-type-options'], 'nosniff', 'security headers')
      if (c.status === 405) t.equal(res.headers.allow, 'GET, HEAD', 'Allow names the methods the path takes')
      t.same(await tableCounts(app), before, 'nothing written')
    })
  }
})
