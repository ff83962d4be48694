import t from 'tap'
import { createAgency } from './helpers/fixtures.js'
import { tableCounts, testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'

t.test('agencies', async (t) => {
  const app = await testApp(t)
  const { admin } = await actors(app)

  t.test('creating answers 201 with Location and ETag, and the agency reads back', async (t) => {
    const res = await admin.inject({ method: 'POST', url: '/v1/agencies', payload: { nameZh: '广州市交通运输局', nameEn: 'Guangzhou Municipal Transport Bureau', kind: 'transport', jurisdictionCode: '440100' } })
    t.equal(res.statusCode, 201)
    const body = res.json()
    t.equal(res.headers.location, `/v1/agencies/${body.id}`)
    t.equal(res.headers.etag, '"1"')
    t.match(body, { nameZh: '广州市交通运输局', nameEn: 'Guangzhou Municipal Transport Bureau', kind: 'transport', jurisdictionCode: '440100', version: 1, warnings: [] })
    const got = await admin.inject({ url: `/v1/agencies/${body.id}` })
    t.same(got.json(), body)
    const notModified = await admin.inject({ url: `/v1/agencies/${body.id}`, headers: { 'if-none-match': '"1"' } })
    t.equal(notModified.statusCode, 304)
  })

  t.test('a name is unique within its jurisdiction, not across them', async (t) => {
    await createAgency(admin, { nameZh: '市场监督管理局', kind: 'market_regulation', jurisdictionCode: '350200' })
    const before = await tableCounts(app)
    const dup = await admin.inject({ method: 'POST', url: '/v1/agencies', payload: { nameZh: '市场监督管理局', kind: 'market_regulation', jurisdictionCode: '350200' } })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'agency_name_taken', errors: [{ in: 'body', pointer: '/nameZh' }] })
    t.same(await tableCounts(app), before)
    const elsewhere = await admin.inject({ method: 'POST', url: '/v1/agencies', payload: { nameZh: '市场监督管理局', kind: 'market_regulation', jurisdictionCode: '320600' } })
    t.equal(elsewhere.statusCode, 201)
  })

  t.test('updating needs the current ETag; renaming onto a taken name is refused', async (t) => {
    const a = await createAgency(admin, { nameZh: '网信办甲', kind: 'cyberspace', jurisdictionCode: '500000' })
    await createAgency(admin, { nameZh: '网信办乙', kind: 'cyberspace', jurisdictionCode: '500000' })
    const url = `/v1/agencies/${a.id}`
    const ok = await admin.inject({ method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { nameEn: 'Chongqing Cyberspace Office', jurisdictionCode: '500103' } })
    t.equal(ok.statusCode, 200)
    t.equal(ok.headers.etag, '"2"')
    t.match(ok.json(), { nameEn: 'Chongqing Cyberspace Office', jurisdictionCode: '500103', version: 2 })
    const stale = await admin.inject({ method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { nameEn: 'Again' } })
    t.equal(stale.statusCode, 412)
    t.match(stale.json().detail, /"2"/)
    await admin.inject({ method: 'PATCH', url, headers: { 'if-match': '"2"' }, payload: { jurisdictionCode: '500000' } })
    const clash = await admin.inject({ method: 'PATCH', url, headers: { 'if-match': '"3"' }, payload: { nameZh: '网信办乙' } })
    t.equal(clash.statusCode, 409)
    t.equal(clash.json().code, 'agency_name_taken')
    const after = await admin.inject({ url })
    t.match(after.json(), { nameZh: '网信办甲', version: 3 })
  })

  t.test('If-Match: * updates whatever the version', async (t) => {
    const a = await createAgency(admin)
    const res = await admin.inject({ method: 'PATCH', url: `/v1/agencies/${a.id}`, headers: { 'if-match': '*' }, payload: { kind: 'public_security' } })
    t.equal(res.statusCode, 200)
    t.equal(res.json().kind, 'public_security')
  })

  t.test('an abolished jurisdiction is recorded as its successor with a warning', async (t) => {
    const res = await admin.inject({ method: 'POST', url: '/v1/agencies', payload: { nameZh: '萝岗区交通局', kind: 'transport', jurisdictionCode: '440116' } })
    t.equal(res.statusCode, 201)
    t.equal(res.json().jurisdictionCode, '440112')
    t.match(res.json().warnings, [{ code: 'jurisdiction_superseded', pointer: '/jurisdictionCode' }])
  })

  t.test('list filters by kind and by jurisdiction including districts, in pages', async (t) => {
    const tianhe = await createAgency(admin, { nameZh: '天河区交通运输局', kind: 'transport', jurisdictionCode: '440106' })
    const byCity = await admin.inject({ url: '/v1/agencies?jurisdiction=440100&kind=transport&limit=200' })
    t.equal(byCity.statusCode, 200)
    const ids = byCity.json().items.map((a: { id: string }) => a.id)
    t.ok(ids.includes(tianhe.id), 'a district agency is in its city')
    t.ok(byCity.json().items.every((a: { kind: string, jurisdictionCode: string }) => a.kind === 'transport' && a.jurisdictionCode.startsWith('4401')))
    const byDistrict = await admin.inject({ url: '/v1/agencies?jurisdiction=440106' })
    t.same(byDistrict.json().items.map((a: { id: string }) => a.id), [tianhe.id])

    const all: string[] = []
    let cursor: string | null = null
    do {
      const page = await admin.inject({ url: `/v1/agencies?limit=3${cursor ? `&cursor=${cursor}` : ''}` })
      const body = page.json() as { items: Array<{ id: string }>, nextCursor: string | null }
      all.push(...body.items.map((a) => a.id))
      cursor = body.nextCursor
    } while (cursor)
    const everything = await admin.inject({ url: '/v1/agencies?limit=200' })
    t.same(all, everything.json().items.map((a: { id: string }) => a.id))
  })
})
