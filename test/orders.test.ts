import t from 'tap'
import { sampleResidentId, samplePlate } from '../src/seed/licence-samples.js'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { monthDays, orderPageStatement } from '../src/modules/orders/service.js'
import { mergeOrder, type CheckedOrder } from '../src/modules/orders/rules.js'
import { actors, onePlatformOnTwoInstances, platformFor } from './helpers/actors.js'
import { tableCounts, testApp } from './helpers/app.js'
import { issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

const ndjson = { 'content-type': 'application/x-ndjson' }
const body = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'

t.test('an order is judged at its match instant by the licence history, and counted in its city’s day', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, xiamen, anonymous } = await actors(app)
  const didi = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], nameZh: '广州甲出行科技有限公司' })
  const caocao = await registerEnterprise(gz, { jurisdictionCodes: ['440100'], nameZh: '广州乙出行科技有限公司' })
  const platform = await platformFor(app, didi.id)
  const rival = await platformFor(app, caocao.id)
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: didi.id }
  const driverA = sampleResidentId('440106', '19880512', 11)
  const driverB = sampleResidentId('440106', '19900101', 12)
  await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber: driverA, validFrom: '2025-01-01', validUntil: '2030-12-31' }))
  const [p1, p2, p3, p4] = [samplePlate('粤A', 501), samplePlate('粤A', 502), samplePlate('粤A', 503), samplePlate('粤A', 504)]
  await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: p1 }))
  await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: p2, validFrom: '2020-01-01', validUntil: '2024-12-31' }))
  const later = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: p3 }))
  const renewed = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: p4, validFrom: '2021-03-01', validUntil: '2025-02-28' }))
  // Recorded now, after the orders' match times: a suspension does not rewrite March, nor does a late renewal.
  t.equal((await gz.inject({ method: 'POST', url: `/v1/licences/${later.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: '投诉核查' } })).statusCode, 201)
  t.equal((await gz.inject({ method: 'POST', url: `/v1/licences/${renewed.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'renew', reason: '换证', validUntil: '2029-02-28' } })).statusCode, 201)

  const at = '2025-03-05T10:00:00+08:00'
  const order = (orderId: string, driverIdNumber: string, plate: string, extra: object = {}) => ({ orderId, jurisdictionCode: '440106', matchedAt: at, driverIdNumber, plate, ...extra })
  const lines = [
    order('o1', driverA, p1),
    order('o2', driverB, p1),
    order('o3', driverA, p2),
    order('o4', driverB, p2),
    order('o5', driverA, p3),
    order('o6', driverA, p4),
    order('o1', driverA, p1, { departedAt: '2025-03-05T10:06:00+08:00', arrivedAt: '2025-03-05T10:31:00+08:00', distanceMetres: 12400, durationSeconds: 1500, fareFen: 3850, pickupDistrict: '440106' }),
    // 07:30 on 1 April in Guangzhou is still 31 March in UTC: it counts in April.
    order('o7', driverA, p1, { matchedAt: '2025-04-01T07:30:00+08:00' })
  ]
  const sent = await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: { ...ndjson, 'idempotency-key': 'orders-1' }, payload: body(lines) })
  t.equal(sent.statusCode, 201, sent.body)
  t.match(sent.json(), { status: 'completed', lines: 8, applied: 8, rejected: 0 })
  t.notOk(sent.body.includes(driverA), 'no ID number in the answer')

  const march = await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })
  t.equal(march.statusCode, 200, march.body)
  t.same(march.json(), {
    jurisdictionCode: '440100',
    enterpriseId: null,
    from: '2025-03-01',
    to: '2025-03-31',
    orders: 6,
    compliant: 2,
    rate: 0.3333,
    byReason: { driver_unlicensed: 1, vehicle_unlicensed: 2, both_unlicensed: 1 },
    complaints: 0,
    complaintsPer10kOrders: 0
  })
  t.match((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440106&from=2025-04-01&to=2025-04-30' })).json(), { jurisdictionCode: '440100', orders: 1, compliant: 1, rate: 1 }, 'a district is read as its city; the day is the city’s')
  t.match((await platform.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json(), { enterpriseId: didi.id, orders: 6 }, 'a platform gets its own figures')
  t.match((await rival.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json(), { enterpriseId: caocao.id, orders: 0, rate: null })
  t.equal((await rival.inject({ url: `/v1/compliance/orders?jurisdiction=440100&month=2025-03&enterprise=${didi.id}` })).json().code, 'forbidden')
  t.equal((await xiamen.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json().code, 'outside_jurisdiction')
  t.equal((await anonymous.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).statusCode, 401)

  // Each order keeps its verdict and what it was judged by.
  const failing = (await gz.inject({ url: `/v1/orders?jurisdiction=440100&month=2025-03&enterprise=${didi.id}&verdict=failing` })).json()
  t.same(Object.fromEntries(failing.items.map((o: { orderId: string, verdict: string }) => [o.orderId, o.verdict])), { o2: 'driver_unlicensed', o3: 'vehicle_unlicensed', o4: 'both_unlicensed', o6: 'vehicle_unlicensed' })
  const all = (await platform.inject({ url: '/v1/orders?jurisdiction=440100&month=2025-03&limit=2' })).json()
  t.equal(all.items.length, 2)
  const next = (await platform.inject({ url: `/v1/orders?jurisdiction=440100&month=2025-03&limit=10&cursor=${encodeURIComponent(all.nextCursor)}` })).json()
  t.equal(next.items.length, 4, 'paged through')
  const o1 = [...all.items, ...next.items].find((o: { orderId: string }) => o.orderId === 'o1')
  t.match(o1, { verdict: 'compliant', matchDay: '2025-03-05', matchedAt: '2025-03-05T02:00:00.000Z', departedAt: '2025-03-05T02:06:00.000Z', fareFen: 3850, pickupDistrict: '440106', originCode: '440106', jurisdictionCode: '440100' })
  t.equal((await rival.inject({ url: '/v1/orders?jurisdiction=440100&month=2025-03' })).json().items.length, 0, 'another platform sees none of them')
  t.notOk(JSON.stringify([all, next, failing]).includes(driverA), 'no ID number in an order')

  // The same body again replays; sending an order again unchanged changes nothing.
  const replay = await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: { ...ndjson, 'idempotency-key': 'orders-1' }, payload: body(lines) })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  const again = await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([lines[6]!]) })
  t.match(again.json(), { applied: 1, rejected: 0 })
  t.match((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json(), { orders: 6 }, 'counted once')

  // The ranking, and its published form once the month has ended.
  await rival.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([{ ...order('r1', driverA, p1), jurisdictionCode: '440100' }]) })
  const ranking = (await gz.inject({ url: '/v1/compliance/orders/ranking?jurisdiction=440100&month=2025-03' })).json()
  t.match(ranking, { jurisdictionCode: '440100', month: '2025-03', items: [{ rank: 1, enterpriseId: caocao.id, rate: 1, orders: 1 }, { rank: 2, enterpriseId: didi.id, rate: 0.3333, orders: 6 }] })
  t.same((await platform.inject({ url: '/v1/compliance/orders/ranking?jurisdiction=440100&month=2025-03' })).json().items.map((i: { enterpriseId: string }) => i.enterpriseId), [didi.id], 'a platform sees its own line')
  const published = await anonymous.inject({ url: '/v1/public/compliance/ranking?jurisdiction=440100&month=2025-03' })
  t.equal(published.statusCode, 200, published.body)
  t.same(published.json().items.map((i: { enterpriseName: string }) => i.enterpriseName), ['广州乙出行科技有限公司', '广州甲出行科技有限公司'])
  const thisMonth = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7)
  t.match((await anonymous.inject({ url: `/v1/public/compliance/ranking?jurisdiction=440100&month=${thisMonth}` })).json(), { code: 'validation_failed', errors: [{ pointer: '/month', code: 'not_published_yet' }] })
})

t.test('bad order lines are refused with their code and pointer, and write nothing', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const driver = sampleResidentId('440106', '19880512', 21)
  const good = { orderId: 'b1', jurisdictionCode: '440106', matchedAt: '2025-03-05T10:00:00+08:00', driverIdNumber: driver, plate: samplePlate('粤A', 601) }
  t.equal((await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([{ ...good, departedAt: '2025-03-05T10:05:00+08:00' }]) })).json().applied, 1)
  const cases: Array<[string, object, string, string]> = [
    ['a match time of 1970-01-01', { ...good, orderId: 'b2', matchedAt: '1970-01-01T08:00:00+08:00' }, 'invalid_order_times', '/matchedAt'],
    ['a match time of 2001, a default', { ...good, orderId: 'b2', matchedAt: '2001-01-01T08:00:00+08:00' }, 'invalid_order_times', '/matchedAt'],
    ['a match time in the future', { ...good, orderId: 'b2', matchedAt: '2099-01-01T08:00:00+08:00' }, 'invalid_order_times', '/matchedAt'],
    ['completed before it was matched', { ...good, orderId: 'b2', arrivedAt: '2025-03-05T09:00:00+08:00' }, 'invalid_order_times', '/arrivedAt'],
    ['arrived before it departed', { ...good, orderId: 'b2', departedAt: '2025-03-05T10:20:00+08:00', arrivedAt: '2025-03-05T10:10:00+08:00' }, 'invalid_order_times', '/arrivedAt'],
    ['a time without its offset', { ...good, orderId: 'b2', matchedAt: '2025-03-05 10:00:00' }, 'validation_failed', '/matchedAt'],
    ['the same id with another plate', { ...good, plate: samplePlate('粤A', 602) }, 'order_conflict', '/plate'],
    ['the same id with another match time', { ...good, matchedAt: '2025-03-05T10:01:00+08:00' }, 'order_conflict', '/matchedAt'],
    ['the same id with another driver', { ...good, driverIdNumber: sampleResidentId('440106', '19900101', 22) }, 'order_conflict', '/driverIdNumber'],
    ['a completion that differs from the one recorded', { ...good, departedAt: '2025-03-05T10:07:00+08:00' }, 'order_conflict', '/departedAt'],
    ['a city the platform does not operate in', { ...good, orderId: 'b2', jurisdictionCode: '350203' }, 'not_operating_here', '/jurisdictionCode'],
    ['a province', { ...good, orderId: 'b2', jurisdictionCode: '440000' }, 'jurisdiction_not_a_city', '/jurisdictionCode'],
    ['a pickup district of another city', { ...good, orderId: 'b2', pickupDistrict: '350203' }, 'validation_failed', '/pickupDistrict'],
    ['a plate that is not GA 36', { ...good, orderId: 'b2', plate: '粤AO2345' }, 'invalid_plate', '/plate'],
    ['an ID number that is not GB 11643', { ...good, orderId: 'b2', driverIdNumber: driver.slice(0, 17) + (driver.endsWith('1') ? '2' : '1') }, 'invalid_resident_id', '/driverIdNumber'],
    ['coordinates (not kept)', { ...good, orderId: 'b2', pickupLongitude: 113264385 }, 'validation_failed', '/pickupLongitude'],
    ['a passenger’s phone number', { ...good, orderId: 'b2', passengerPhone: '13800138000' }, 'validation_failed', '/passengerPhone'],
    ['a negative fare', { ...good, orderId: 'b2', fareFen: -1 }, 'validation_failed', '/fareFen'],
    ['an order id with a space', { ...good, orderId: 'b 2' }, 'validation_failed', '/orderId'],
    ['a NUL in the order id', { ...good, orderId: 'b\u0000' }, 'validation_failed', '/orderId'],
    ['a NUL in the plate', { ...good, orderId: 'b2', plate: '粤A\u000012345' }, 'invalid_plate', '/plate'],
    ['a line of 20 KiB', { ...good, orderId: 'b2', padding: 'x'.repeat(20_000) }, 'payload_too_large', ''],
    ['a leap second for the match', { ...good, orderId: 'b2', matchedAt: '2016-12-31T23:59:60Z' }, 'invalid_order_times', '/matchedAt'],
    ['a leap second for the arrival', { ...good, orderId: 'b2', arrivedAt: '2025-03-06T07:59:60+08:00' }, 'invalid_order_times', '/arrivedAt'],
    ['an arrival before the departure recorded earlier', { ...good, arrivedAt: '2025-03-05T10:02:00+08:00' }, 'invalid_order_times', '/arrivedAt'],
    ['the same id matched in another year', { ...good, matchedAt: '2012-06-01T10:00:00+08:00' }, 'order_conflict', '/matchedAt']
  ]
  const before = await tableCounts(app)
  for (const [name, line, code, pointer] of cases) {
    const res = await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([line]) })
    t.equal(res.statusCode, 201, name)
    t.match(res.json(), { applied: 0, rejected: 1, errors: [{ line: 1, code, errors: [{ pointer }] }] }, name)
    t.notOk(res.body.includes(driver), `${name}: the ID number is not quoted`)
  }
  t.same((await platform.inject({ url: '/v1/orders?jurisdiction=440100&month=2025-03' })).json().items.map((o: { orderId: string, departedAt: string }) => [o.orderId, o.departedAt]), [['b1', '2025-03-05T02:05:00.000Z']], 'nothing but the first order was written')
  t.same({ ...await tableCounts(app), imports: 0, import_errors: 0, audit_events: 0 }, { ...before, imports: 0, import_errors: 0, audit_events: 0 })
  t.same(rowsOf(await app.db.execute(sql`select to_regclass('orders_2012_06') is null as none`)), [{ none: true }], 'a refused line makes no partition for its month')

  // Two lines of one body naming one order: the second meets the first.
  const times = await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([{ ...good, orderId: 'c2', departedAt: '2025-03-05T10:05:00+08:00' }, { ...good, orderId: 'c2', arrivedAt: '2025-03-05T10:02:00+08:00' }]) })
  t.match(times.json(), { applied: 1, rejected: 1, errors: [{ line: 2, code: 'invalid_order_times', errors: [{ pointer: '/arrivedAt', code: 'before_departure', message: /before departedAt 2025-03-05T02:05:00.000Z/ }] }] })
  const pair = await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([{ ...good, orderId: 'c1' }, { ...good, orderId: 'c1', plate: samplePlate('粤A', 603) }]) })
  t.match(pair.json(), { applied: 1, rejected: 1, errors: [{ line: 2, code: 'order_conflict', errors: [{ pointer: '/plate', message: /on line 1 of this import/ }] }] })

  // Who may send, and what a query must name.
  t.equal((await gz.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([good]) })).json().code, 'forbidden')
  t.equal((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100' })).json().errors[0].pointer, '/from')
  t.equal((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&from=2025-03-02&to=2025-03-01' })).json().errors[0].code, 'range_reversed')
  t.equal((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&from=2024-01-01&to=2025-03-01' })).json().errors[0].code, 'range_too_long')
  t.equal((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-13' })).statusCode, 400)
  t.equal((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=449999&month=2025-03' })).json().code, 'unknown_jurisdiction')
})

t.test('the rules: a month’s days, and what a second line makes of an order', async (t) => {
  t.same(monthDays('2024-02'), { from: '2024-02-01', to: '2024-02-29' }, 'a leap February')
  t.same(monthDays('2025-02'), { from: '2025-02-01', to: '2025-02-28' })
  t.same(monthDays('2025-12'), { from: '2025-12-01', to: '2025-12-31' })
  const known: CheckedOrder = { orderId: 'x', cityCode: '440100', originCode: '440106', matchedAt: Date.parse('2025-03-05T02:00:00.000Z'), matchDay: '2025-03-05', driverIdHash: 'h', plate: 'P', departedAt: null, arrivedAt: null, distanceM: null, durationS: null, fareFen: null, pickupDistrict: null }
  t.match(mergeOrder(known, { ...known, fareFen: 100 }), { changed: true, merged: { fareFen: 100 } }, 'a completion fills in')
  t.match(mergeOrder(known, known), { changed: false }, 'the same again changes nothing')
  t.match(mergeOrder({ ...known, fareFen: 100 }, { ...known }), { changed: false }, 'a line without the completion leaves it')
  t.match(mergeOrder({ ...known, fareFen: 100 }, { ...known, fareFen: 200 }), { conflict: { field: 'fareFen', was: '100', now: '200' } })
  t.match(mergeOrder({ ...known, distanceM: 5 }, { ...known, distanceM: 6 }), { conflict: { field: 'distanceMetres' } }, 'named as the line names it')
  t.match(mergeOrder(known, { ...known, driverIdHash: 'other' }), { conflict: { field: 'driverIdNumber', was: 'another driver' } }, 'never quoting a driver')
})

t.test('the verdict follows the licence history to the instant: suspended, then reinstated', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, xiamen } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const other = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const rival = await platformFor(app, other.id)
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }
  const driver = sampleResidentId('440106', '19880512', 31)
  await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber: driver, validFrom: '2020-01-01' }))
  const plate = samplePlate('粤A', 701)
  const vehicle = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate, validFrom: '2020-01-01' }))
  const send = (orderId: string, matchedAt: string) => platform.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([{ orderId, jurisdictionCode: '440106', matchedAt, driverIdNumber: driver, plate }]) })
  const verdictOf = async (orderId: string, month: string) => ((await gz.inject({ url: `/v1/orders?jurisdiction=440100&month=${month}&limit=200` })).json().items as Array<{ orderId: string, verdict: string }>).find((o) => o.orderId === orderId)?.verdict

  const before = new Date(Date.now() - 60_000).toISOString()
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal((await gz.inject({ method: 'POST', url: `/v1/licences/${vehicle.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: '安全隐患' } })).statusCode, 201)
  const during = new Date().toISOString()
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal((await gz.inject({ method: 'POST', url: `/v1/licences/${vehicle.id}/transitions`, headers: { 'if-match': '"2"' }, payload: { action: 'reinstate', reason: '整改完成' } })).statusCode, 201)
  await new Promise((resolve) => setTimeout(resolve, 20))
  const after = new Date().toISOString()
  // Sent after all three changes: each is judged at its own instant.
  for (const [id, at] of [['before', before], ['during', during], ['after', after]] as const) t.equal((await send(id, at)).json().applied, 1, id)
  const month = (at: string) => new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 7)
  t.equal(await verdictOf('before', month(before)), 'compliant', 'matched before the suspension')
  t.equal(await verdictOf('during', month(during)), 'vehicle_unlicensed', 'matched while suspended')
  t.equal(await verdictOf('after', month(after)), 'compliant', 'matched after the reinstatement')

  // Another platform's imports and orders stay out of reach, and so do another city's figures.
  const imports = (await platform.inject({ url: '/v1/order-imports' })).json().items as Array<{ id: string }>
  t.equal(imports.length, 3)
  t.equal((await rival.inject({ url: `/v1/order-imports/${imports[0]!.id}` })).statusCode, 404)
  t.equal((await rival.inject({ url: `/v1/order-imports/${imports[0]!.id}/errors` })).statusCode, 404)
  t.equal((await rival.inject({ url: '/v1/order-imports' })).json().items.length, 0)
  t.equal((await xiamen.inject({ url: `/v1/orders?jurisdiction=440100&month=${month(after)}` })).json().code, 'outside_jurisdiction')
  t.equal((await xiamen.inject({ url: `/v1/compliance/orders/ranking?jurisdiction=440100&month=${month(after)}` })).json().code, 'outside_jurisdiction')
  t.equal((await gz.inject({ url: '/v1/order-imports' })).statusCode, 403, 'a regulator reads orders, not a platform’s imports')
})

t.test('two instances importing the same platform’s orders at once write each order once, and count it once', async (t) => {
  const app = await testApp(t)
  const two = await onePlatformOnTwoInstances(t, app)
  if (!two) return
  const { gz, here, there } = two
  const driver = sampleResidentId('440106', '19880512', 41)
  // The same 3,000 order ids from both, one side with other match times: each id must end as one order.
  const lines = (minute: number) => body(Array.from({ length: 3000 }, (_, i) => ({ orderId: `race-${i}`, jurisdictionCode: '440106', matchedAt: `2025-03-05T10:${String(minute).padStart(2, '0')}:00+08:00`, driverIdNumber: driver, plate: samplePlate('粤A', 800 + (i % 50)) })))
  const [a, b] = await Promise.all([
    here.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: lines(0) }),
    there.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: lines(1) })
  ])
  t.equal(a.statusCode, 201, a.body.slice(0, 300))
  t.equal(b.statusCode, 201, b.body.slice(0, 300))
  t.equal(a.json().applied + b.json().applied, 3000, 'each id applied once between the two')
  t.equal(a.json().rejected + b.json().rejected, 3000, 'and refused once as order_conflict')
  const rate = (await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json()
  t.equal(rate.orders, 3000, 'counted once')
  t.equal((await tableCounts(app)).orders, 3000)
})

t.test('data quality per platform and month: permitted without orders, zero rides, refused lines', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, xiamen } = await actors(app)
  const busy = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], nameZh: '广州甲出行科技有限公司' })
  const silent = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], nameZh: '广州乙出行科技有限公司' })
  for (const e of [busy, silent]) await issueLicence(gz, licenceInput('platform_permit', { issuingAgencyId: gz.agency.id, enterpriseId: e.id }, { validFrom: '2024-01-01' }))
  const platform = await platformFor(app, busy.id)
  const driver = sampleResidentId('440106', '19880512', 51)
  const order = (orderId: string, extra: object = {}) => ({ orderId, jurisdictionCode: '440106', matchedAt: '2025-03-05T10:00:00+08:00', driverIdNumber: driver, plate: samplePlate('粤A', 901), ...extra })
  const now = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7)
  await platform.inject({
    method: 'POST',
    url: '/v1/order-imports',
    headers: ndjson,
    payload: body([
      order('q1', { departedAt: '2025-03-05T10:05:00+08:00', arrivedAt: '2025-03-05T10:05:00+08:00', durationSeconds: 0, distanceMetres: 20 }),
      order('q2'),
      order('q3', { matchedAt: '1970-01-01T08:00:00+08:00' }),
      order('q2', { plate: samplePlate('粤A', 902) })
    ])
  })
  // A completion sent later that shows a zero ride counts too.
  await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: ndjson, payload: body([order('q2', { durationSeconds: 0, distanceMetres: 5 })]) })

  const march = (await gz.inject({ url: '/v1/compliance/orders/quality?jurisdiction=440100&month=2025-03' })).json()
  t.same(march.items.map((i: { enterpriseName: string, permitted: boolean, orders: number, zeroRides: number, findings: string[] }) => [i.enterpriseName, i.permitted, i.orders, i.zeroRides, i.findings]), [
    ['广州甲出行科技有限公司', true, 2, 2, ['zero_rides']],
    ['广州乙出行科技有限公司', true, 0, 0, ['no_orders']]
  ])
  // The refused lines are counted in the month the imports were sent.
  const sent = (await gz.inject({ url: `/v1/compliance/orders/quality?jurisdiction=440100&month=${now}` })).json()
  t.match(sent.items.find((i: { enterpriseId: string }) => i.enterpriseId === busy.id), { orders: 0, refusedLines: { invalid_order_times: 1, order_conflict: 1 }, findings: ['no_orders', 'refused_lines'] })
  t.same((await platform.inject({ url: '/v1/compliance/orders/quality?jurisdiction=440100&month=2025-03' })).json().items.map((i: { enterpriseId: string }) => i.enterpriseId), [busy.id], 'a platform sees its own line')
  t.equal((await xiamen.inject({ url: '/v1/compliance/orders/quality?jurisdiction=440100&month=2025-03' })).json().code, 'outside_jurisdiction')
})

t.test('a page of a city’s orders reads the month in the order of its index, and a month’s partition spans it in UTC whatever the session’s zone', async (t) => {
  const app = await testApp(t)
  const plan = async (statement: ReturnType<typeof orderPageStatement>) => app.db.transaction(async (tx) => {
    // With no sequential scan to prefer on a small table, a sort shows exactly where the index's order is not used.
    await tx.execute(sql`set local enable_seqscan = off`)
    return JSON.stringify(rowsOf(await tx.execute(sql`explain (format json) ${statement}`)))
  })
  for (const [name, statement] of [
    ['first page', orderPageStatement('440100', '2025-03', {}, undefined, 50)],
    ['failing, one platform, a later page', orderPageStatement('440100', '2025-03', { enterprise: '01900000-0000-7000-8000-000000000001', verdict: 'failing' }, ['2025-03-05', '01900000-0000-7000-8000-000000000001', 'x'], 50)]
  ] as const) {
    const shown = await plan(statement)
    t.notOk(shown.includes('"Sort"'), `${name}: no sort`)
    t.ok(shown.includes('orders_2025_03') || shown.includes('orders_default'), `${name}: the month's partition`)
  }
  // Under Asia/Shanghai, or a zone west of UTC with summer time, the bounds are still UTC midnights.
  const bounds = await app.db.transaction(async (tx) => {
    await tx.execute(sql`set local timezone = 'Asia/Shanghai'`)
    await tx.execute(sql`select order_partition('2031-01-01'::date), order_partition('2031-02-01'::date)`)
    await tx.execute(sql`set local timezone = 'America/New_York'`)
    await tx.execute(sql`select order_partition('2031-03-01'::date)`)
    await tx.execute(sql`set local timezone = 'UTC'`)
    return rowsOf<{ bound: string }>(await tx.execute(sql`select pg_get_expr(c.relpartbound, c.oid) as bound from pg_class c where c.relname in ('orders_2031_01', 'orders_2031_02', 'orders_2031_03') order by c.relname`))
  })
  t.same(bounds.map((b) => b.bound), [
    "FOR VALUES FROM ('2031-01-01 00:00:00+00') TO ('2031-02-01 00:00:00+00')",
    "FOR VALUES FROM ('2031-02-01 00:00:00+00') TO ('2031-03-01 00:00:00+00')",
    "FOR VALUES FROM ('2031-03-01 00:00:00+00') TO ('2031-04-01 00:00:00+00')"
  ])
})

t.test('a zero ride counts once, however its completion arrives; a complaint once, however it is sent', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const order = { orderId: 'z1', jurisdictionCode: '440106', matchedAt: '2025-03-05T10:00:00+08:00', driverIdNumber: sampleResidentId('440106', '19880512', 71), plate: samplePlate('粤A', 711) }
  const send = async (url: string, lines: object[]) => (await platform.inject({ method: 'POST', url, headers: ndjson, payload: body(lines) })).json()
  t.match(await send('/v1/order-imports', [order]), { applied: 1, findings: {} })
  t.match(await send('/v1/order-imports', [{ ...order, durationSeconds: 0, distanceMetres: 40 }]), { applied: 1, findings: { zero_ride: 1 } })
  const later = await send('/v1/order-imports', [{ ...order, durationSeconds: 0, distanceMetres: 40, fareFen: 1000 }])
  t.same(later.findings, {}, 'the fare sent later does not count the ride again')
  t.match((await send('/v1/order-imports', [{ ...order, orderId: 'z2', durationSeconds: 0, distanceMetres: 40 }, { ...order, orderId: 'z2', durationSeconds: 0, distanceMetres: 40, fareFen: 900 }])).findings, { zero_ride: 1 }, 'nor within one import')
  const quality = (await gz.inject({ url: '/v1/compliance/orders/quality?jurisdiction=440100&month=2025-03' })).json()
  t.match(quality.items, [{ enterpriseId: enterprise.id, orders: 2, zeroRides: 2, findings: ['zero_rides'] }])

  // Handled stays handled; the same complaint to the millisecond or to the second is one.
  const complaint = { orderId: 'z1', complainedAt: '2025-03-05T12:00:00.250+08:00' }
  const first = await send('/v1/complaint-imports', [{ ...complaint, resolved: true }])
  t.match(first, { applied: 1 })
  // Another platform finds neither the import nor the order: its own complaint about z1 is about no order of its own.
  const rival = await platformFor(app, (await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })).id)
  t.equal((await rival.inject({ url: `/v1/complaint-imports/${first.id}` })).statusCode, 404)
  t.equal((await rival.inject({ url: `/v1/complaint-imports/${first.id}/errors` })).statusCode, 404)
  t.same((await rival.inject({ url: '/v1/complaint-imports' })).json().items, [])
  t.equal((await gz.inject({ url: `/v1/complaint-imports/${first.id}` })).statusCode, 403, 'a regulator reads the figures, not the imports')
  const before = await tableCounts(app)
  const foreign = (await rival.inject({ method: 'POST', url: '/v1/complaint-imports', headers: ndjson, payload: body([complaint]) })).json()
  t.match(foreign, { applied: 0, rejected: 1, errors: [{ code: 'order_not_matched', errors: [{ pointer: '/orderId' }] }] })
  t.same({ ...await tableCounts(app), imports: 0, import_errors: 0, audit_events: 0 }, { ...before, imports: 0, import_errors: 0, audit_events: 0 }, 'nothing counted')
  t.match(await send('/v1/complaint-imports', [{ ...complaint, complainedAt: '2016-12-31T23:59:60Z' }]), { applied: 0, rejected: 1, errors: [{ code: 'invalid_order_times', errors: [{ pointer: '/complainedAt', code: 'leap_second' }] }] })
  t.match(await send('/v1/complaint-imports', [{ ...complaint, complainedAt: '2025-03-05T12:00:00+08:00' }]), { applied: 1 })
  const stored = rowsOf<{ resolved: boolean }>(await app.db.execute(sql`select resolved from order_complaints`))
  t.same(stored, [{ resolved: true }], 'one complaint, still handled')
  t.match((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json(), { complaints: 1 })

  // A platform with complaints but no orders in a month is not ranked for it.
  t.match(await send('/v1/complaint-imports', [{ orderId: 'z1', complainedAt: '2025-04-02T09:00:00+08:00' }]), { applied: 1 })
  t.same((await gz.inject({ url: '/v1/compliance/orders/ranking?jurisdiction=440100&month=2025-04' })).json().items, [])
})
