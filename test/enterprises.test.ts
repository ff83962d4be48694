import t from 'tap'
import { enterpriseInput, makeUscc, registerEnterprise } from './helpers/fixtures.js'
import { tableCounts, testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'

t.test('enterprises', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, nantong } = await actors(app)

  t.test('registering answers 201 with Location, ETag, the enterprise and its first history entry', async (t) => {
    const input = enterpriseInput({ uscc: makeUscc().toLowerCase(), nameEn: undefined })
    const res = await gz.inject({ method: 'POST', url: '/v1/enterprises', payload: input })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.equal(res.headers.location, `/v1/enterprises/${body.id}`)
    t.equal(res.headers.etag, '"1"')
    t.match(body, { uscc: input.uscc.toUpperCase(), nameZh: input.nameZh, nameEn: null, sectors: ['ride_hailing'], jurisdictionCodes: ['440106'], status: 'active', version: 1, warnings: [] })
    t.match(body.createdAt, /^\d{4}-\d\d-\d\dT/)

    const got = await gz.inject({ url: res.headers.location as string })
    t.equal(got.statusCode, 200)
    t.same(got.json(), body)
    t.equal(got.headers.etag, '"1"')

    const history = await gz.inject({ url: `/v1/enterprises/${body.id}/status-changes` })
    t.equal(history.statusCode, 200)
    t.match(history.json(), { items: [{ fromStatus: null, toStatus: 'active', reason: 'registered', enterpriseVersion: 1 }], nextCursor: null })
  })

  t.test('an embedded organisation code mismatch is accepted with a warning', async (t) => {
    const res = await gz.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: '91440106MA59ABCD2' + '9' }) })
    // The 18th character is recomputed below; first learn what the service expects.
    t.equal(res.statusCode, 400)
    const expected = res.json().detail.match(/give (.)$/)[1]
    const ok = await gz.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: '91440106MA59ABCD2' + expected }) })
    t.equal(ok.statusCode, 201)
    t.same(ok.json().warnings.map((w: { code: string, pointer: string }) => [w.code, w.pointer]), [['uscc_organisation_code_mismatch', '/uscc']])
    const again = await gz.inject({ url: `/v1/enterprises/${ok.json().id}` })
    t.equal(again.json().warnings.length, 1, 'the warning stays visible on every read')
  })

  t.test('a second enterprise with the same USCC is a 409 pointing at the first, and writes nothing', async (t) => {
    const first = await registerEnterprise(gz)
    const before = await tableCounts(app)
    const res = await gz.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: first.uscc, nameZh: '另一家公司' }) })
    t.equal(res.statusCode, 409)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.match(res.json(), { code: 'uscc_already_registered', existing: `/v1/enterprises/${first.id}`, errors: [{ in: 'body', pointer: '/uscc' }] })
    t.same(await tableCounts(app), before)
  })

  t.test('an abolished jurisdiction code is recorded as its successor, with a warning', async (t) => {
    const res = await nantong.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ jurisdictionCodes: ['320602', '320611', '320612'] }) })
    t.equal(res.statusCode, 201)
    t.same(res.json().jurisdictionCodes, ['320613', '320612'])
    t.same(res.json().warnings.map((w: { pointer: string }) => w.pointer), ['/jurisdictionCodes/0', '/jurisdictionCodes/1'])
  })

  t.test('updating needs the current ETag and bumps it', async (t) => {
    const created = await registerEnterprise(gz)
    const url = `/v1/enterprises/${created.id}`
    const res = await gz.inject({ method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { nameEn: null, sectors: ['ride_hailing', 'car_share'], jurisdictionCodes: ['440100'] } })
    t.equal(res.statusCode, 200)
    t.equal(res.headers.etag, '"2"')
    t.match(res.json(), { nameEn: null, sectors: ['ride_hailing', 'car_share'], jurisdictionCodes: ['440100'], version: 2, nameZh: created.nameZh })

    const merge = await gz.inject({ method: 'PATCH', url, headers: { 'if-match': '"2"', 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ nameEn: 'Renamed Ltd.' }) })
    t.equal(merge.statusCode, 200, 'application/merge-patch+json is accepted')
    t.equal(merge.json().nameEn, 'Renamed Ltd.')
  })

  t.test('conditional GET: If-None-Match with the current ETag is 304, an old one is 200', async (t) => {
    const created = await registerEnterprise(gz)
    const url = `/v1/enterprises/${created.id}`
    const same = await gz.inject({ url, headers: { 'if-none-match': '"1"' } })
    t.equal(same.statusCode, 304)
    t.equal(same.body, '')
    t.equal(same.headers.etag, '"1"')
    await gz.inject({ method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { nameZh: '改名后的公司' } })
    const changed = await gz.inject({ url, headers: { 'if-none-match': '"1"' } })
    t.equal(changed.statusCode, 200)
    t.equal(changed.json().nameZh, '改名后的公司')
  })

  t.test('status changes follow active ⇄ suspended → exited and keep their reasons', async (t) => {
    const created = await registerEnterprise(gz)
    const url = `/v1/enterprises/${created.id}/status-changes`
    const suspend = await gz.inject({ method: 'POST', url, headers: { 'if-match': '"1"' }, payload: { status: 'suspended', reason: '责令整改' } })
    t.equal(suspend.statusCode, 201)
    t.equal(suspend.headers.etag, '"2"')
    t.match(suspend.json(), { fromStatus: 'active', toStatus: 'suspended', reason: '责令整改', enterpriseVersion: 2 })
    t.equal(suspend.json().requestId, suspend.headers['x-request-id'])

    const resume = await gz.inject({ method: 'POST', url, headers: { 'if-match': '"2"' }, payload: { status: 'active', reason: '整改完成' } })
    t.equal(resume.statusCode, 201)
    const exit = await gz.inject({ method: 'POST', url, headers: { 'if-match': '"3"' }, payload: { status: 'exited', reason: '退出市场' } })
    t.equal(exit.statusCode, 201)

    const before = await tableCounts(app)
    const back = await gz.inject({ method: 'POST', url, headers: { 'if-match': '"4"' }, payload: { status: 'active', reason: '再来' } })
    t.equal(back.statusCode, 409)
    t.match(back.json(), { code: 'invalid_status_transition', currentStatus: 'exited', errors: [{ pointer: '/status' }] })
    t.same(await tableCounts(app), before)

    const history = await gz.inject({ url })
    t.same(history.json().items.map((c: { toStatus: string }) => c.toStatus), ['active', 'suspended', 'active', 'exited'])
    t.same(history.json().items.map((c: { enterpriseVersion: number }) => c.enterpriseVersion), [1, 2, 3, 4], 'each entry keeps the version it produced')
    const enterprise = await gz.inject({ url: `/v1/enterprises/${created.id}` })
    t.match(enterprise.json(), { status: 'exited', version: 4 })
  })

  t.test('a stale If-Match is answered 412 before an impossible move is answered 409, as licences do', async (t) => {
    const created = await registerEnterprise(gz)
    const url = `/v1/enterprises/${created.id}/status-changes`
    t.equal((await gz.inject({ method: 'POST', url, headers: { 'if-match': '"1"' }, payload: { status: 'exited', reason: '退出市场' } })).statusCode, 201)
    const before = await tableCounts(app)
    const stale = await gz.inject({ method: 'POST', url, headers: { 'if-match': '"1"' }, payload: { status: 'active', reason: '再来' } })
    t.equal(stale.statusCode, 412, 'stale and impossible: the stale version first')
    t.match(stale.json(), { code: 'precondition_failed', errors: [{ in: 'header', pointer: '/if-match', code: 'stale' }] })
    t.notOk('currentStatus' in stale.json(), 'nothing of the current state is told on a stale version')
    const current = await gz.inject({ method: 'POST', url, headers: { 'if-match': '"2"' }, payload: { status: 'active', reason: '再来' } })
    t.equal(current.statusCode, 409, 'current and impossible: the move is refused')
    t.match(current.json(), { code: 'invalid_status_transition', currentStatus: 'exited' })
    const staleButPossible = await gz.inject({ method: 'POST', url: `/v1/enterprises/${(await registerEnterprise(gz)).id}/status-changes`, headers: { 'if-match': '"7"' }, payload: { status: 'suspended', reason: 'x' } })
    t.equal(staleButPossible.statusCode, 412)
    t.same(await tableCounts(app), { ...before, enterprises: before.enterprises! + 1, enterprise_status_changes: before.enterprise_status_changes! + 1, audit_events: before.audit_events! + 1 }, 'only the second registration was written')
  })

  t.test('changing to the current status is refused', async (t) => {
    const created = await registerEnterprise(gz)
    const res = await gz.inject({ method: 'POST', url: `/v1/enterprises/${created.id}/status-changes`, headers: { 'if-match': '"1"' }, payload: { status: 'active', reason: 'noop' } })
    t.equal(res.statusCode, 409)
    t.equal(res.json().code, 'invalid_status_transition')
  })
})
