import t from 'tap'
import { makeUscc, registerEnterprise } from './helpers/fixtures.js'
import { testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'

t.test('listing enterprises', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou: gz, xiamen, nantong, chongqing } = await actors(app)
  const gzRide = await registerEnterprise(gz, { uscc: makeUscc('440106'), nameZh: '广州快行网约车科技有限公司', nameEn: 'Guangzhou Kuaixing Ride-hailing Co., Ltd.', sectors: ['ride_hailing'], jurisdictionCodes: ['440106'] })
  const gzBikes = await registerEnterprise(gz, { uscc: makeUscc('440103'), nameZh: '广州绿骑共享单车科技有限公司', nameEn: 'Guangzhou Lvqi Bike Sharing Co., Ltd.', sectors: ['bike_share'], jurisdictionCodes: ['440100'] })
  const xm = await registerEnterprise(xiamen, { uscc: makeUscc('350203'), nameZh: '厦门悠享汽车租赁有限公司', nameEn: null, sectors: ['car_share', 'ride_hailing'], jurisdictionCodes: ['350203'] })
  const cq = await registerEnterprise(chongqing, { uscc: makeUscc('500103'), nameZh: '重庆畅途网约车科技有限公司', nameEn: 'Chongqing Changtu 100%_Ride Co.', sectors: ['ride_hailing'], jurisdictionCodes: ['500103'] })
  await chongqing.inject({ method: 'POST', url: `/v1/enterprises/${cq.id}/status-changes`, headers: { 'if-match': '"1"' }, payload: { status: 'suspended', reason: 'test' } })

  const ids = async (query: string) => {
    const res = await admin.inject({ url: `/v1/enterprises?${query}` })
    t.equal(res.statusCode, 200, query)
    return res.json().items.map((e: { id: string }) => e.id)
  }

  t.test('filters combine, and a city includes its districts', async (t) => {
    t.same(await ids(''), [gzRide.id, gzBikes.id, xm.id, cq.id])
    t.same(await ids('sector=ride_hailing'), [gzRide.id, xm.id, cq.id])
    t.same(await ids('jurisdiction=440100'), [gzRide.id, gzBikes.id], 'Guangzhou includes Tianhe')
    t.same(await ids('jurisdiction=440106'), [gzRide.id], 'a district does not include its city')
    t.same(await ids('jurisdiction=500000'), [cq.id], 'Chongqing through 500100 to Yuzhong')
    t.same(await ids('jurisdiction=350200&sector=car_share'), [xm.id])
    t.same(await ids('status=suspended'), [cq.id])
    t.same(await ids('status=active&sector=ride_hailing'), [gzRide.id, xm.id])
    t.same(await ids(`uscc=${xm.uscc}`), [xm.id])
  })

  t.test('name contains matches Chinese or English, ignoring case, with wildcards taken literally', async (t) => {
    t.same(await ids(`name=${encodeURIComponent('快行')}`), [gzRide.id])
    t.same(await ids('name=LVQI'), [gzBikes.id])
    t.same(await ids(`name=${encodeURIComponent('汽车租赁')}`), [xm.id])
    t.same(await ids(`name=${encodeURIComponent('100%_')}`), [cq.id])
    t.same(await ids(`name=${encodeURIComponent('%')}`), [cq.id])
    t.same(await ids('name=nothing-like-this'), [])
  })

  t.test('an abolished code filters as its successor', async (t) => {
    const nt = await registerEnterprise(nantong, { uscc: makeUscc('320613'), jurisdictionCodes: ['320613'] })
    t.same(await ids('jurisdiction=320611'), [nt.id])
  })

  t.test('pages follow each other with no gaps or repeats while enterprises are being registered', async (t) => {
    const seen: string[] = []
    let cursor: string | null = null
    const existing = (await ids('limit=200')).length
    let pages = 0
    do {
      const res = await admin.inject({ url: `/v1/enterprises?limit=2${cursor ? `&cursor=${cursor}` : ''}` })
      t.equal(res.statusCode, 200)
      const body = res.json() as { items: Array<{ id: string }>, nextCursor: string | null }
      seen.push(...body.items.map((e) => e.id))
      cursor = body.nextCursor
      // Someone registers an enterprise between our pages.
      if (pages++ < 2) await registerEnterprise(gz)
    } while (cursor)
    t.equal(new Set(seen).size, seen.length, 'no enterprise twice')
    t.equal(seen.length, existing + 2, 'every enterprise, including those registered while paging')
  })

  t.test('the last page says so with a null cursor', async (t) => {
    const res = await admin.inject({ url: '/v1/enterprises?limit=200' })
    t.equal(res.json().nextCursor, null)
  })
})
