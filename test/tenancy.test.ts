import t from 'tap'
import { tableCounts, testApp } from './helpers/app.js'
import { actors, platformFor, regulatorFor } from './helpers/actors.js'
import { createAgency, enterpriseInput, issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

t.test('tenants see and change only their own', async (t) => {
  const app = await testApp(t)
  const { guangzhou, xiamen, admin } = await actors(app)
  const a = await registerEnterprise(guangzhou, { nameZh: '平台甲' })
  const b = await registerEnterprise(guangzhou, { nameZh: '平台乙' })
  const xm = await registerEnterprise(xiamen, { jurisdictionCodes: ['350203'] })
  const platformA = await platformFor(app, a.id)
  const platformB = await platformFor(app, b.id)

  t.test('a platform reads its own file and history', async (t) => {
    const own = await platformA.inject({ url: `/v1/enterprises/${a.id}` })
    t.equal(own.statusCode, 200)
    t.equal(own.json().nameZh, '平台甲')
    const list = await platformA.inject({ url: '/v1/enterprises' })
    t.same(list.json().items.map((e: { id: string }) => e.id), [a.id])
    t.equal((await platformA.inject({ url: `/v1/enterprises/${a.id}/status-changes` })).statusCode, 200)
  })

  t.test('platform A reading, listing or updating platform B finds nothing and changes nothing', async (t) => {
    const before = await tableCounts(app)
    const read = await platformA.inject({ url: `/v1/enterprises/${b.id}` })
    t.equal(read.statusCode, 404)
    t.equal(read.json().code, 'not_found')
    const missing = await platformA.inject({ url: '/v1/enterprises/01900000-0000-7000-8000-000000000000' })
    t.same({ ...read.json(), requestId: null, instance: null, detail: null }, { ...missing.json(), requestId: null, instance: null, detail: null }, 'indistinguishable from a missing enterprise')
    t.equal((await platformA.inject({ url: `/v1/enterprises/${b.id}/status-changes` })).statusCode, 404)
    t.same((await platformA.inject({ url: `/v1/enterprises?uscc=${b.uscc}` })).json().items, [])
    const update = await platformA.inject({ method: 'PATCH', url: `/v1/enterprises/${b.id}`, headers: { 'if-match': '"1"' }, payload: { nameZh: '被改' } })
    t.equal(update.statusCode, 403, 'a platform may not update enterprise files at all')
    t.same(await tableCounts(app), before)
    t.equal((await platformB.inject({ url: `/v1/enterprises/${b.id}` })).json().nameZh, '平台乙')
  })

  t.test('a platform may not set its own status or jurisdictions', async (t) => {
    const before = await tableCounts(app)
    const status = await platformA.inject({ method: 'POST', url: `/v1/enterprises/${a.id}/status-changes`, headers: { 'if-match': '"1"' }, payload: { status: 'active', reason: 'self' } })
    t.equal(status.statusCode, 403)
    t.equal(status.json().code, 'forbidden')
    const places = await platformA.inject({ method: 'PATCH', url: `/v1/enterprises/${a.id}`, headers: { 'if-match': '"1"' }, payload: { jurisdictionCodes: ['440100', '350200'] } })
    t.equal(places.statusCode, 403)
    t.same(await tableCounts(app), before)
  })

  t.test("Xiamen's regulator reading or changing a Guangzhou record finds nothing", async (t) => {
    const before = await tableCounts(app)
    t.equal((await xiamen.inject({ url: `/v1/enterprises/${a.id}` })).statusCode, 404)
    t.equal((await xiamen.inject({ url: `/v1/enterprises/${a.id}/status-changes` })).statusCode, 404)
    t.same((await xiamen.inject({ url: '/v1/enterprises?limit=200' })).json().items.map((e: { id: string }) => e.id), [xm.id])
    t.equal((await xiamen.inject({ url: `/v1/agencies/${guangzhou.agency.id}` })).statusCode, 404)
    t.notOk((await xiamen.inject({ url: '/v1/agencies?limit=200' })).json().items.some((x: { jurisdictionCode: string }) => x.jurisdictionCode.startsWith('4401')))
    const update = await xiamen.inject({ method: 'PATCH', url: `/v1/enterprises/${a.id}`, headers: { 'if-match': '"1"' }, payload: { nameZh: '被改' } })
    t.equal(update.statusCode, 404)
    const suspend = await xiamen.inject({ method: 'POST', url: `/v1/enterprises/${a.id}/status-changes`, headers: { 'if-match': '"1"' }, payload: { status: 'suspended', reason: 'x' } })
    t.equal(suspend.statusCode, 404)
    t.same(await tableCounts(app), before)
  })

  t.test('a regulator may not place an enterprise outside its jurisdiction', async (t) => {
    const before = await tableCounts(app)
    const res = await xiamen.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ jurisdictionCodes: ['350203', '440106'] }) })
    t.equal(res.statusCode, 403)
    t.match(res.json(), { code: 'outside_jurisdiction', errors: [{ in: 'body', pointer: '/jurisdictionCodes/1' }] })
    const move = await xiamen.inject({ method: 'PATCH', url: `/v1/enterprises/${xm.id}`, headers: { 'if-match': '"1"' }, payload: { jurisdictionCodes: ['440100'] } })
    t.equal(move.statusCode, 403)
    t.same(await tableCounts(app), before)
  })

  t.test('a duplicate USCC names the existing enterprise only to a caller who may read it', async (t) => {
    const mine = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: a.uscc }) })
    t.match(mine.json(), { code: 'uscc_already_registered', existing: `/v1/enterprises/${a.id}` })
    const theirs = await xiamen.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: a.uscc, jurisdictionCodes: ['350203'] }) })
    t.equal(theirs.statusCode, 409)
    t.equal(theirs.json().code, 'uscc_already_registered')
    t.notOk('existing' in theirs.json())
  })

  t.test('a record shared by several jurisdictions: each regulator changes only its own part', async (t) => {
    const tianhe = await regulatorFor(app, '440106', '天河区交通运输局')
    const shared = await registerEnterprise(guangzhou, { jurisdictionCodes: ['440106', '440112'] })
    const url = `/v1/enterprises/${shared.id}`
    const before = await tableCounts(app)
    const drop = await tianhe.inject({ method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { jurisdictionCodes: ['440106'] } })
    t.equal(drop.statusCode, 403, 'may not drop Huangpu')
    t.match(drop.json(), { code: 'outside_jurisdiction', errors: [{ pointer: '/jurisdictionCodes' }] })
    const add = await tianhe.inject({ method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { jurisdictionCodes: ['440106', '440112', '440113'] } })
    t.equal(add.statusCode, 403, 'may not add Panyu')
    const exit = await tianhe.inject({ method: 'POST', url: `${url}/status-changes`, headers: { 'if-match': '"1"' }, payload: { status: 'exited', reason: 'x' } })
    t.equal(exit.statusCode, 403, 'the status is the whole record’s: a district regulator of part of it may not change it')
    t.equal(exit.json().code, 'outside_jurisdiction')
    t.same(await tableCounts(app), before)
    const rename = await tianhe.inject({ method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { nameEn: 'Shared Ltd.', jurisdictionCodes: ['440112', '440106'] } })
    t.equal(rename.statusCode, 200, 'its own part and shared facts it may change')
    const city = await guangzhou.inject({ method: 'POST', url: `${url}/status-changes`, headers: { 'if-match': '"2"' }, payload: { status: 'suspended', reason: '全市暂停' } })
    t.equal(city.statusCode, 201, 'the city bureau regulates all of it')
  })

  t.test("conditional GET on another tenant's record is 404, not 304", async (t) => {
    const res = await platformA.inject({ url: `/v1/enterprises/${b.id}`, headers: { 'if-none-match': '"1"' } })
    t.equal(res.statusCode, 404)
    t.notOk(res.headers.etag)
    const regulator = await xiamen.inject({ url: `/v1/enterprises/${a.id}`, headers: { 'if-none-match': '"1"' } })
    t.equal(regulator.statusCode, 404)
  })

  t.test("replaying another caller's Idempotency-Key returns nothing of theirs", async (t) => {
    const input = enterpriseInput()
    const first = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'shared' }, payload: input })
    t.equal(first.statusCode, 201)
    const other = await xiamen.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'shared' }, payload: input })
    t.equal(other.statusCode, 403, 'judged as its own request (Guangzhou codes are outside Xiamen)')
    t.notOk(other.headers['idempotent-replayed'])
    t.notMatch(other.body, first.json().id)
    const own = await xiamen.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'shared' }, payload: enterpriseInput({ jurisdictionCodes: ['350203'] }) })
    t.equal(own.statusCode, 201, 'the same key is free for another caller')
  })

  t.test('the admin sees every tenant', async (t) => {
    const all = await admin.inject({ url: '/v1/enterprises?limit=200' })
    const ids = all.json().items.map((e: { id: string }) => e.id)
    t.ok([a.id, b.id, xm.id].every((id) => ids.includes(id)))
  })
})

t.test('a record the caller may not read cannot be referenced: it is answered exactly like a missing one, and nothing is written', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, xiamen, admin } = await actors(app)
  const ownFirm = await registerEnterprise(gz)
  const xiamenFirm = await registerEnterprise(xiamen, { jurisdictionCodes: ['350203'] })
  const xiamenMarket = await createAgency(admin, { kind: 'market_regulation', jurisdictionCode: '350200' })
  const missing = '01900000-0000-7000-8000-00000000abcd'
  // The two answers may differ only in the request's own id and path, and in the id they quote back.
  const shape = (body: string, id: string) => {
    const { requestId: _r, instance: _i, ...rest } = JSON.parse(body.replaceAll(id, '<id>')) as Record<string, unknown>
    return JSON.stringify(rest)
  }
  const issue = (overrides: Record<string, unknown>) => gz.inject({
    method: 'POST', url: '/v1/licences', payload: licenceInput('platform_permit', { issuingAgencyId: gz.agency.id, enterpriseId: ownFirm.id }, overrides)
  })

  const references: Array<{ name: string, field: string, theirs: string, code: string }> = [
    { name: 'an enterprise of another city as the holder', field: 'enterpriseId', theirs: xiamenFirm.id, code: 'unknown_enterprise' },
    { name: 'a transport agency of another city as the issuer', field: 'issuingAgencyId', theirs: xiamen.agency.id, code: 'invalid_issuing_agency' },
    { name: 'another city’s market regulator as the issuer', field: 'issuingAgencyId', theirs: xiamenMarket.id, code: 'invalid_issuing_agency' }
  ]
  for (const ref of references) {
    t.test(`licence issue naming ${ref.name}`, async (t) => {
      const before = await tableCounts(app)
      const absent = await issue({ [ref.field]: missing })
      const hidden = await issue({ [ref.field]: ref.theirs })
      t.equal(hidden.statusCode, 422)
      t.equal(hidden.json().code, ref.code)
      t.match(hidden.json().errors, [{ in: 'body', pointer: `/${ref.field}` }])
      t.equal(shape(hidden.body, ref.theirs), shape(absent.body, missing), 'byte for byte the answer for an id that does not exist')
      t.notMatch(hidden.body, /350200|market_regulation/, 'nothing says whose it is')
      t.same(await tableCounts(app), before, 'nothing written')
    })
  }

  t.test('import lines naming them are refused in the same words as lines naming missing records', async (t) => {
    const lines = references.flatMap((ref) => [
      licenceInput('platform_permit', { issuingAgencyId: gz.agency.id, enterpriseId: ownFirm.id }, { [ref.field]: missing }),
      licenceInput('platform_permit', { issuingAgencyId: gz.agency.id, enterpriseId: ownFirm.id }, { [ref.field]: ref.theirs })
    ])
    const before = await tableCounts(app)
    const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'hidden-refs' }, payload: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })
    t.equal(res.statusCode, 201)
    t.match(res.json(), { applied: 0, rejected: 6 })
    const errors = res.json().errors as Array<{ line: number, code: string }>
    references.forEach((ref, i) => {
      const [absent, hidden] = [errors[2 * i]!, errors[2 * i + 1]!]
      t.equal(hidden.code, ref.code, ref.name)
      t.equal(shape(JSON.stringify({ ...hidden, line: 0 }), ref.theirs), shape(JSON.stringify({ ...absent, line: 0 }), missing), ref.name)
    })
    t.equal((await tableCounts(app)).licences, before.licences, 'no licence written')
  })

  t.test('a Xiamen platform reads nothing a Guangzhou regulator tried to issue for it', async (t) => {
    const platform = await platformFor(app, xiamenFirm.id)
    t.same((await platform.inject({ url: '/v1/licences' })).json().items, [])
  })

  t.test('filters naming another tenant’s record match nothing, like a missing one', async (t) => {
    await issueLicence(xiamen, licenceInput('platform_permit', { issuingAgencyId: xiamen.agency.id, enterpriseId: xiamenFirm.id }, { jurisdictionCode: '350200' }))
    const hidden = await gz.inject({ url: `/v1/licences?enterprise=${xiamenFirm.id}` })
    const absent = await gz.inject({ url: `/v1/licences?enterprise=${missing}` })
    t.equal(hidden.statusCode, 200)
    t.same(hidden.json(), absent.json())
    t.same(hidden.json().items, [])
    const audit = await gz.inject({ url: `/v1/audit?entityId=${xiamenFirm.id}` })
    t.same(audit.json().items, [], 'nor does the audit trail of another city’s enterprise')
  })
})
