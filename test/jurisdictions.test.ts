import t from 'tap'
import { testApp } from './helpers/app.js'

t.test('jurisdictions', async (t) => {
  const app = await testApp(t)

  t.test('the four cities and their districts from DOMAIN.md are all there', async (t) => {
    const expected: Record<string, string[]> = {
      440100: ['440103', '440104', '440105', '440106', '440111', '440112', '440113', '440114', '440115', '440117', '440118'],
      350200: ['350203', '350205', '350206', '350211', '350212', '350213'],
      320600: ['320612', '320613', '320614', '320623', '320681', '320682', '320685'],
      500100: ['500103', '500105', '500106', '500107', '500108', '500112']
    }
    for (const [city, districts] of Object.entries(expected)) {
      const res = await app.inject({ url: `/v1/public/jurisdictions?parent=${city}&status=current&limit=200` })
      t.equal(res.statusCode, 200)
      const codes = res.json().items.map((j: { code: string }) => j.code)
      for (const d of districts) t.ok(codes.includes(d), `${d} under ${city}`)
    }
    const tianhe = await app.inject({ url: '/v1/public/jurisdictions/440106' })
    t.match(tianhe.json(), { code: '440106', nameZh: '天河区', level: 'district', parentCode: '440100', status: 'current', timeZone: 'Asia/Shanghai' })
  })

  t.test('abolished codes stay readable and name their successor; the successor lists them', async (t) => {
    const old = await app.inject({ url: '/v1/public/jurisdictions/320602' })
    t.equal(old.statusCode, 200)
    t.match(old.json(), { code: '320602', status: 'abolished', successorCode: '320613', effectiveTo: '2020-07-22' })
    const haimen = await app.inject({ url: '/v1/public/jurisdictions/320684' })
    t.match(haimen.json(), { successorCode: '320614' })
    const haian = await app.inject({ url: '/v1/public/jurisdictions/320621' })
    t.match(haian.json(), { successorCode: '320685' })
    const chongchuan = await app.inject({ url: '/v1/public/jurisdictions/320613' })
    t.same(chongchuan.json().predecessorCodes, ['320602', '320611'])
    const abolished = await app.inject({ url: '/v1/public/jurisdictions?status=abolished' })
    t.ok(abolished.json().items.every((j: { status: string, successorCode: string | null }) => j.status === 'abolished' && j.successorCode))
  })

  t.test('lists page in code order with a working cursor and ETags on single divisions', async (t) => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await app.inject({ url: `/v1/public/jurisdictions?limit=10${cursor ? `&cursor=${cursor}` : ''}` })
      const body = res.json() as { items: Array<{ code: string }>, nextCursor: string | null }
      seen.push(...body.items.map((j) => j.code))
      cursor = body.nextCursor
    } while (cursor)
    t.same(seen, [...seen].sort())
    t.equal(new Set(seen).size, seen.length)
    t.ok(seen.length >= 50)
    const provinces = await app.inject({ url: '/v1/public/jurisdictions?level=province' })
    t.same(provinces.json().items.map((j: { code: string }) => j.code), ['320000', '350000', '440000', '500000'])

    const first = await app.inject({ url: '/v1/public/jurisdictions/350200' })
    const again = await app.inject({ url: '/v1/public/jurisdictions/350200', headers: { 'if-none-match': first.headers.etag as string } })
    t.equal(again.statusCode, 304)
  })
})
