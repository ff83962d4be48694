import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { addDays, dateIn } from '../src/modules/licences/lifecycle.js'
import { sampleResidentId, sampleVin } from '../src/seed/licence-samples.js'
import { actors, platformFor, regulatorFor, type Client } from './helpers/actors.js'
import { tableCounts, testApp } from './helpers/app.js'
import { createAgency, issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

const today = dateIn('Asia/Shanghai')

t.test('licences', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou: gz, xiamen, anonymous } = await actors(app)
  const fleet = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], sectors: ['car_share', 'ride_hailing'] })
  const rival = await registerEnterprise(gz, { jurisdictionCodes: ['440103'] })
  const platform = await platformFor(app, fleet.id)
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: fleet.id }

  t.test('each type is issued with Location and ETag, and read back the same', async (t) => {
    for (const type of ['platform_permit', 'vehicle_certificate', 'driver_certificate', 'car_share_filing'] as const) {
      const input = licenceInput(type, base)
      const res = await gz.inject({ method: 'POST', url: '/v1/licences', payload: input })
      t.equal(res.statusCode, 201, type)
      const body = res.json()
      t.equal(res.headers.location, `/v1/licences/${body.id}`)
      t.equal(res.headers.etag, '"1"')
      t.match(body, { type, number: input.number, jurisdictionCode: '440100', issuingAgencyId: gz.agency.id, enterpriseId: fleet.id, status: 'active', recordedStatus: 'active', valid: true, version: 1, importId: null })
      const got = await gz.inject({ url: res.headers.location as string })
      t.same(got.json(), body)
      const again = await gz.inject({ url: res.headers.location as string, headers: { 'if-none-match': '"1"' } })
      t.equal(again.statusCode, 304)
    }
  })

  t.test('a vehicle certificate keeps its plate normalised, colour and VIN', async (t) => {
    const created = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: '粤a·d12345', plateColour: 'green', vin: sampleVin(12).toLowerCase() }))
    t.match(created, { plate: '粤AD12345', plateColour: 'green', vin: sampleVin(12), driverIdMasked: null, warnings: [] })
  })

  t.test('a driver ID number is kept only as a keyed hash and a masked form: never stored, returned or audited', async (t) => {
    const idNumber = sampleResidentId('440106', '19900101', 7)
    const created = await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber }))
    t.equal(created.driverIdMasked, `${idNumber.slice(0, 6)}********${idNumber.slice(-4)}`)
    t.notOk(JSON.stringify(created).includes(idNumber))
    const [row] = rowsOf<{ row: string }>(await app.db.execute(sql`select row_to_json(l)::text as row from licences l where id = ${created.id}`))
    t.notOk(row!.row.includes(idNumber), 'no column holds the number')
    t.notOk(row!.row.includes(idNumber.slice(6, 14)), 'nor its birth date')
    const [audit] = rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from audit_events where after::text like ${'%' + idNumber.slice(6, 14) + '%'}`))
    t.equal(audit!.n, 0, 'the audit trail holds the masked form only')
  })

  t.test('things worth a look are accepted with warnings', async (t) => {
    const elsewhere = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: '京A12345' }))
    t.match(elsewhere.warnings, [{ code: 'plate_from_elsewhere', pointer: '/plate', message: /京A12345 is not a plate of 广州市/ }])
    const bikes = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], sectors: ['bike_share'] })
    const permit = await issueLicence(gz, licenceInput('platform_permit', { ...base, enterpriseId: bikes.id }))
    t.same((permit.warnings as Array<{ code: string }>).map((w) => w.code), ['enterprise_sector_mismatch'])
    // The city bureau sees every enterprise of the city; a licence of one district for an enterprise of another is worth a look.
    const tianhe = await regulatorFor(app, '440106', '天河区交通运输局（警示）')
    const district = await issueLicence(gz, licenceInput('platform_permit', { issuingAgencyId: tianhe.agency.id, enterpriseId: rival.id }, { jurisdictionCode: '440106' }))
    t.match(district.warnings, [{ code: 'enterprise_not_operating_here', pointer: '/enterpriseId', message: /not registered as operating in 440106/ }])
  })

  t.test('who sees what: the jurisdiction, the platform served, nobody else', async (t) => {
    const own = await issueLicence(gz, licenceInput('vehicle_certificate', base))
    const other = await issueLicence(gz, licenceInput('vehicle_certificate', { ...base, enterpriseId: rival.id }))
    t.equal((await platform.inject({ url: `/v1/licences/${own.id}` })).statusCode, 200)
    t.equal((await platform.inject({ url: `/v1/licences/${other.id}` })).statusCode, 404, 'another platform’s licence is not found')
    t.equal((await xiamen.inject({ url: `/v1/licences/${own.id}` })).statusCode, 404, 'another city’s regulator does not see it')
    t.equal((await admin.inject({ url: `/v1/licences/${own.id}` })).statusCode, 200)
    t.equal((await anonymous.inject({ url: `/v1/licences/${own.id}` })).statusCode, 401)
    const listed = (await platform.inject({ url: '/v1/licences?limit=200' })).json().items as Array<{ enterpriseId: string }>
    t.ok(listed.length > 0)
    t.ok(listed.every((l) => l.enterpriseId === fleet.id), 'a platform lists only its own')
    t.same((await xiamen.inject({ url: '/v1/licences' })).json().items, [])
    const write = await platform.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('vehicle_certificate', base) })
    t.equal(write.statusCode, 403)
    t.equal(write.json().code, 'forbidden')
    const suspend = await platform.inject({ method: 'POST', url: `/v1/licences/${own.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: 'x' } })
    t.equal(suspend.statusCode, 403)
  })

  t.test('lifecycle: suspend, reinstate, renew, revoke (final), each with who, when and why', async (t) => {
    const created = await issueLicence(gz, licenceInput('vehicle_certificate', base))
    const url = `/v1/licences/${created.id}/transitions`
    const move = (version: number, body: object) => gz.inject({ method: 'POST', url, headers: { 'if-match': `"${version}"` }, payload: body })

    const suspended = await move(1, { action: 'suspend', reason: '车辆年检过期' })
    t.equal(suspended.statusCode, 201)
    t.equal(suspended.headers.etag, '"2"')
    t.match(suspended.json(), { action: 'suspend', fromStatus: 'active', toStatus: 'suspended', reason: '车辆年检过期', byAgencyId: gz.agency.id, byKeyId: gz.keyId, licenceVersion: 2 })
    t.match((await gz.inject({ url: `/v1/licences/${created.id}` })).json(), { status: 'suspended', valid: false, version: 2 })

    const again = await move(2, { action: 'suspend', reason: 'twice' })
    t.equal(again.statusCode, 409)
    t.match(again.json(), { code: 'invalid_status_transition', currentStatus: 'suspended', errors: [{ in: 'body', pointer: '/action' }] })

    t.equal((await move(2, { action: 'reinstate', reason: '年检完成' })).statusCode, 201)
    const renewed = await move(3, { action: 'renew', reason: '换证', validUntil: '2034-12-31' })
    t.equal(renewed.statusCode, 201)
    t.match(renewed.json(), { action: 'renew', fromStatus: 'active', toStatus: 'active', validUntilBefore: '2030-12-31', validUntilAfter: '2034-12-31' })
    t.equal((await move(3, { action: 'suspend', reason: 'stale' })).statusCode, 412, 'a stale ETag is refused')
    t.equal((await gz.inject({ method: 'POST', url, payload: { action: 'suspend', reason: 'x' } })).statusCode, 428)

    t.equal((await move(4, { action: 'revoke', reason: '以欺骗手段取得' })).statusCode, 201)
    for (const action of ['reinstate', 'suspend', 'revoke', 'renew']) {
      const res = await move(5, { action, reason: 'after revocation', ...(action === 'renew' ? { validUntil: '2040-01-01' } : {}) })
      t.equal(res.statusCode, 409, action)
      t.match(res.json(), { code: 'invalid_status_transition', currentStatus: 'revoked', detail: /revocation is final/ })
    }

    const history = await gz.inject({ url: `${url}?limit=2` })
    t.equal(history.statusCode, 200)
    t.same(history.json().items.map((h: { action: string }) => h.action), ['suspend', 'reinstate'])
    const rest = await gz.inject({ url: `${url}?limit=2&cursor=${history.json().nextCursor}` })
    t.same(rest.json().items.map((h: { action: string }) => h.action), ['renew', 'revoke'])
    t.equal(rest.json().nextCursor, null)
    t.equal((await platform.inject({ url })).statusCode, 200, 'the platform served reads the history')
    t.equal((await xiamen.inject({ url })).statusCode, 404)

    const [events] = rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from audit_events where entity_id = ${created.id}`))
    t.equal(events!.n, 5, 'issue and four transitions are in the audit trail')
  })

  t.test('expiry is derived from the last valid day in the jurisdiction’s time zone', async (t) => {
    const yesterday = await issueLicence(gz, licenceInput('driver_certificate', base, { validFrom: '2020-01-01', validUntil: addDays(today, -1) }))
    const lastDay = await issueLicence(gz, licenceInput('driver_certificate', base, { validFrom: '2020-01-01', validUntil: today }))
    const future = await issueLicence(gz, licenceInput('driver_certificate', base, { validFrom: addDays(today, 1), validUntil: addDays(today, 400) }))
    t.match(yesterday, { status: 'expired', recordedStatus: 'active', valid: false })
    t.match(lastDay, { status: 'active', valid: true })
    t.match(future, { status: 'active', valid: false }, 'not yet in force')
    const renewed = await gz.inject({ method: 'POST', url: `/v1/licences/${yesterday.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'renew', reason: '续期', validUntil: addDays(today, 365) } })
    t.equal(renewed.statusCode, 201)
    t.match((await gz.inject({ url: `/v1/licences/${yesterday.id}` })).json(), { status: 'active', valid: true }, 'a renewal brings an expired licence back into force')
  })

  t.test('list filters: type, status, jurisdiction, enterprise, plate, expiring within N days', async (t) => {
    const firm = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
    const mine = { ...base, enterpriseId: firm.id }
    const soon = await issueLicence(gz, licenceInput('vehicle_certificate', mine, { validUntil: addDays(today, 10), plate: '粤A7Z123' }))
    const later = await issueLicence(gz, licenceInput('vehicle_certificate', mine, { validUntil: addDays(today, 100) }))
    const expired = await issueLicence(gz, licenceInput('vehicle_certificate', mine, { validFrom: '2020-01-01', validUntil: addDays(today, -3) }))
    const driver = await issueLicence(gz, licenceInput('driver_certificate', mine))
    const revoked = await issueLicence(gz, licenceInput('vehicle_certificate', mine, { validUntil: addDays(today, 5) }))
    await gz.inject({ method: 'POST', url: `/v1/licences/${revoked.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'revoke', reason: 'x' } })
    const suspended = await issueLicence(gz, licenceInput('vehicle_certificate', mine))
    await gz.inject({ method: 'POST', url: `/v1/licences/${suspended.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: 'x' } })

    const ids = async (query: string) => ((await gz.inject({ url: `/v1/licences?enterprise=${firm.id}&${query}` })).json().items as Array<{ id: string }>).map((l) => l.id)
    t.same(await ids('type=driver_certificate'), [driver.id])
    t.same(await ids('status=expired'), [expired.id])
    t.same(await ids('status=revoked'), [revoked.id])
    t.same(await ids('status=suspended'), [suspended.id])
    t.same(await ids('status=active&type=vehicle_certificate'), [soon.id, later.id])
    t.same(await ids('expiringWithinDays=30'), [soon.id], 'revoked and expired ones are not “expiring”')
    t.same(await ids('expiringWithinDays=100'), [soon.id, later.id])
    t.same(await ids(`plate=${encodeURIComponent('粤a 7z123')}`), [soon.id], 'plates match whatever the case and separators')
    t.same(await ids('jurisdiction=440100&type=driver_certificate'), [driver.id], 'a city includes its licences')
    t.same(await ids('jurisdiction=350200'), [])

    const first = await gz.inject({ url: `/v1/licences?enterprise=${firm.id}&limit=4` })
    const second = await gz.inject({ url: `/v1/licences?enterprise=${firm.id}&limit=4&cursor=${first.json().nextCursor}` })
    t.same([...first.json().items, ...second.json().items].map((l: { id: string }) => l.id), [soon.id, later.id, expired.id, driver.id, revoked.id, suspended.id])
    t.equal(second.json().nextCursor, null)
  })

  t.test('sort=validUntil: soonest first, ties by id, keyset-paged, stable under inserts; the default order is unchanged', async (t) => {
    const firm = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], nameZh: '广州到期排序出行有限公司' })
    const mine = { ...base, enterpriseId: firm.id }
    const existing = []
    for (const days of [30, 5, 5, 100, 1, 60, 5]) existing.push(await issueLicence(gz, licenceInput('vehicle_certificate', mine, { validUntil: addDays(today, days) })))
    const expected = [...existing].sort((a, b) => String(a.validUntil).localeCompare(String(b.validUntil)) || a.id.localeCompare(b.id)).map((l) => l.id)
    const query = `enterprise=${firm.id}&sort=validUntil&limit=2`
    const seen: Array<{ id: string, validUntil: string, enterpriseName: string }> = []
    let res = await gz.inject({ url: `/v1/licences?${query}` })
    seen.push(...res.json().items)
    // Entered while the list is being read: before the cursor, in the middle of a tie, and after it.
    const inserted = []
    for (const days of [0, 5, 1000]) inserted.push(await issueLicence(gz, licenceInput('vehicle_certificate', mine, { validUntil: addDays(today, days) })))
    while (res.json().nextCursor) {
      res = await gz.inject({ url: `/v1/licences?${query}&cursor=${encodeURIComponent(res.json().nextCursor)}` })
      t.equal(res.statusCode, 200)
      seen.push(...res.json().items)
    }
    const ids = seen.map((l) => l.id)
    t.same(ids.filter((id) => expected.includes(id)), expected, 'every licence there before, once each, soonest first')
    t.equal(new Set(ids).size, ids.length, 'nothing repeated')
    t.ok(ids.includes(inserted[2]!.id), 'one entered after the cursor is reached')
    t.notOk(ids.includes(inserted[0]!.id), 'one entered before the cursor is not (it will be on the next read)')
    const dates = seen.map((l) => l.validUntil)
    t.same(dates, [...dates].sort(), 'in order of the last valid day')
    t.ok(seen.every((l) => l.enterpriseName === '广州到期排序出行有限公司'), 'each item names its enterprise')

    const expiring = await gz.inject({ url: `/v1/licences?enterprise=${firm.id}&expiringWithinDays=30&sort=validUntil` })
    t.same(expiring.json().items.map((l: { validUntil: string }) => l.validUntil), [0, 1, 5, 5, 5, 5, 30].map((d) => addDays(today, d)))
    const entered = await gz.inject({ url: `/v1/licences?enterprise=${firm.id}` })
    t.same(entered.json().items.map((l: { id: string }) => l.id), [...existing, ...inserted].map((l) => l.id), 'without sort, in the order they were entered')

    const page = await gz.inject({ url: `/v1/licences?${query}` })
    const otherOrder = await gz.inject({ url: `/v1/licences?enterprise=${firm.id}&limit=2&cursor=${encodeURIComponent(page.json().nextCursor)}` })
    t.equal(otherOrder.statusCode, 400, 'a cursor of one order does not continue another')
    t.match(otherOrder.json(), { code: 'invalid_cursor', errors: [{ in: 'query', pointer: '/cursor' }] })
  })

  t.test('a licence carries its enterprise’s name beside its id, in a list, a single read and a driver lookup; null without one', async (t) => {
    const idNumber = sampleResidentId('440106', '19790303', 5)
    const driver = await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber }))
    t.equal(driver.enterpriseName, fleet.nameZh, 'in the answer to the issue')
    t.equal((await gz.inject({ url: `/v1/licences/${driver.id}` })).json().enterpriseName, fleet.nameZh)
    t.same((await gz.inject({ method: 'POST', url: '/v1/licences/driver-lookup', payload: { idNumber } })).json().items.map((l: { enterpriseName: string }) => l.enterpriseName), [fleet.nameZh])
    const independent = await issueLicence(gz, licenceInput('vehicle_certificate', { issuingAgencyId: gz.agency.id }))
    t.match(independent, { enterpriseId: null, enterpriseName: null })
    t.equal((await gz.inject({ url: `/v1/licences/${independent.id}` })).json().enterpriseName, null)
    const [audit] = rowsOf<{ after: Record<string, unknown> }>(await app.db.execute(sql`select after from audit_events where entity_id = ${driver.id}`))
    t.notOk('enterpriseName' in audit!.after, 'the audit trail keeps the licence, not the enterprise’s name of the day')
  })

  t.test('importId: the licences an import entered, within what the caller may see', async (t) => {
    const other = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], nameZh: '广州导入筛选出行有限公司' })
    const lines = [licenceInput('vehicle_certificate', base), licenceInput('vehicle_certificate', { ...base, enterpriseId: other.id }), licenceInput('platform_permit', base)]
    const imported = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'import-filter' }, payload: lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })
    t.equal(imported.statusCode, 201)
    const importId = imported.json().id as string
    const numbers = async (who: Client, query = '') => ((await who.inject({ url: `/v1/licences?importId=${importId}${query}` })).json().items as Array<{ number: string, importId: string }>)
    const all = await numbers(gz)
    // One import's licences are entered in one statement: by id they need not keep line order.
    t.same(all.map((l) => l.number).sort(), lines.map((l) => l.number).sort(), 'the regulator sees every licence it entered')
    t.ok(all.every((l) => l.importId === importId))
    t.same((await numbers(gz, '&type=platform_permit')).map((l) => l.number), [lines[2]!.number], 'combined with the other filters')
    t.same((await numbers(platform)).map((l) => l.number).sort(), [lines[0]!.number, lines[2]!.number].sort(), 'a platform sees only its own among them')
    t.same(await numbers(xiamen), [], 'an import of another city matches nothing')
    t.same((await gz.inject({ url: '/v1/licences?importId=01900000-0000-7000-8000-000000000000' })).json().items, [])
  })

  t.test('finding a driver by ID number: POST, checked, matched by hash, within what the caller may see', async (t) => {
    const idNumber = sampleResidentId('440106', '19780615', 3)
    const created = await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber }))
    const lookup = (who: typeof gz | typeof platform, body: object) => who.inject({ method: 'POST', url: '/v1/licences/driver-lookup', payload: body })
    const found = await lookup(gz, { idNumber: idNumber.toLowerCase() })
    t.equal(found.statusCode, 200)
    t.same(found.json().items.map((l: { id: string }) => l.id), [created.id])
    t.same((await lookup(platform, { idNumber })).json().items.map((l: { id: string }) => l.id), [created.id], 'the platform the driver serves')
    t.same((await lookup(xiamen, { idNumber })).json().items, [], 'another city sees nothing')
    t.same((await lookup(gz, { idNumber, jurisdictionCode: '350200' })).json().items, [])
    t.same((await lookup(gz, { idNumber: sampleResidentId('440106', '19780615', 4) })).json().items, [], 'another person')
    const bad = await lookup(gz, { idNumber: idNumber.slice(0, 17) + (idNumber[17] === '1' ? '2' : '1') })
    t.equal(bad.statusCode, 400)
    t.match(bad.json(), { code: 'invalid_resident_id', errors: [{ in: 'body', pointer: '/idNumber', code: 'id_check_digit' }] })
    t.notOk(bad.body.includes(idNumber.slice(6, 14)), 'the problem does not echo the number')
  })

  t.test('public verification: by plate or by type and number, disclosed fields only, rate limited', async (t) => {
    const vehicle = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: '粤B54321' }))
    const res = await anonymous.inject({ url: `/v1/public/licences/verify?plate=${encodeURIComponent('粤b·54321')}` })
    t.equal(res.statusCode, 200)
    t.ok(res.headers['ratelimit-limit'], 'counted against the anonymous limit')
    t.same(res.json(), {
      valid: true,
      matches: [{ type: 'vehicle_certificate', number: vehicle.number, jurisdictionCode: '440100', jurisdictionName: '广州市', status: 'active', valid: true, validFrom: '2025-01-01', validUntil: '2030-12-31', plate: '粤B54321', holderName: fleet.nameZh }]
    })

    const idNumber = sampleResidentId('440106', '19880808', 9)
    const driver = await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber }))
    const byNumber = await anonymous.inject({ url: `/v1/public/licences/verify?type=driver_certificate&number=${driver.number}&jurisdiction=440100` })
    t.equal(byNumber.statusCode, 200)
    t.equal(byNumber.json().valid, true)
    const text = byNumber.body
    for (const personal of [idNumber, idNumber.slice(-4), 'driverIdMasked', 'idNumber']) t.notOk(text.includes(personal), `no ${personal}`)

    await gz.inject({ method: 'POST', url: `/v1/licences/${driver.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'revoke', reason: 'x' } })
    t.match((await anonymous.inject({ url: `/v1/public/licences/verify?type=driver_certificate&number=${driver.number}` })).json(), { valid: false, matches: [{ status: 'revoked', valid: false }] })
    t.same((await anonymous.inject({ url: '/v1/public/licences/verify?plate=粤Z99999' })).json(), { valid: false, matches: [] }, 'unknown: not valid, nothing matched')
  })

  t.test('only a transport agency writes the register; the city’s other regulators read it', async (t) => {
    const cyberspace = await regulatorFor(app, '440100', '广州市互联网信息办公室', 'cyberspace')
    const held = await issueLicence(gz, licenceInput('vehicle_certificate', base))
    const before = await tableCounts(app)
    const issue = await cyberspace.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('vehicle_certificate', base) })
    t.equal(issue.statusCode, 403)
    t.match(issue.json(), { code: 'forbidden', detail: /kept by transport agencies; a cyberspace agency reads it/ })
    const revoke = await cyberspace.inject({ method: 'POST', url: `/v1/licences/${held.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'revoke', reason: 'x' } })
    t.equal(revoke.statusCode, 403)
    const imported = await cyberspace.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(licenceInput('vehicle_certificate', base)) })
    t.equal(imported.statusCode, 403)
    t.same(await tableCounts(app), before, 'nothing written')
    t.equal((await cyberspace.inject({ url: `/v1/licences/${held.id}` })).statusCode, 200, 'it reads the city’s register')
  })

  t.test('a driver certificate numbered with the driver’s ID number: kept only hashed, shown masked, verified by POST and never from a URL', async (t) => {
    const idNumber = sampleResidentId('440106', '19860704', 17)
    const masked = `${idNumber.slice(0, 6)}********${idNumber.slice(-4)}`
    const created = await issueLicence(gz, licenceInput('driver_certificate', base, { number: idNumber, idNumber }))
    t.match(created, { number: masked, numberIsIdNumber: true, driverIdMasked: masked })
    const [row] = rowsOf<{ row: string }>(await app.db.execute(sql`select row_to_json(l)::text as row from licences l where id = ${created.id}`))
    t.notOk(row!.row.includes(idNumber.slice(6, 14)), 'the number is not stored')
    t.same((await gz.inject({ url: `/v1/licences/${created.id}` })).json().number, masked)

    const again = await gz.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('driver_certificate', base, { number: idNumber.toLowerCase(), idNumber }) })
    t.equal(again.statusCode, 409, 'the same number twice in one city')
    t.match(again.json(), { code: 'licence_number_taken', detail: new RegExp(`numbered ${masked.replace(/\*/g, '\\*')} already`) })
    t.notOk(again.body.includes(idNumber.slice(6, 14)))

    const inUrl = await anonymous.inject({ url: `/v1/public/licences/verify?type=driver_certificate&number=${idNumber}` })
    t.equal(inUrl.statusCode, 400)
    t.equal(inUrl.json().code, 'personal_data_in_url')
    const inBody = await anonymous.inject({ method: 'POST', url: '/v1/public/licences/verify', payload: { type: 'driver_certificate', number: idNumber } })
    t.equal(inBody.statusCode, 200)
    t.match(inBody.json(), { valid: true, matches: [{ type: 'driver_certificate', number: masked, holderName: fleet.nameZh }] })
    t.notOk(inBody.body.includes(idNumber.slice(6, 14)), 'the answer holds the number masked')
    const plain = await anonymous.inject({ method: 'POST', url: '/v1/public/licences/verify', payload: { plate: '粤Z99999' } })
    t.same(plain.json(), { valid: false, matches: [] }, 'the body form answers plates too')

    const lookup = await gz.inject({ method: 'POST', url: '/v1/licences/driver-lookup', payload: { idNumber } })
    t.same(lookup.json().items.map((l: { id: string }) => l.id), [created.id])
  })

  t.test('an agency must be the transport agency of the licence’s jurisdiction', async (t) => {
    const district = await createAgency(admin, { kind: 'transport', jurisdictionCode: '440106' })
    const res = await gz.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('vehicle_certificate', { ...base, issuingAgencyId: district.id }) })
    t.equal(res.statusCode, 422)
    t.match(res.json(), { code: 'invalid_issuing_agency', errors: [{ pointer: '/issuingAgencyId', code: 'not_transport_agency_of_jurisdiction' }], detail: /of 440106, not of 440100/ })
  })
})
