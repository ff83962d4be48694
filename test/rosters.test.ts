import t from 'tap'
import { sampleResidentId, samplePlate, sampleVin } from '../src/seed/licence-samples.js'
import { actors, platformFor, type Client } from './helpers/actors.js'
import { tableCounts, testApp } from './helpers/app.js'
import { issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

// The service's own zone, east of UTC: a calendar date read as a local instant would come out a day early.
process.env.TZ = 'Asia/Shanghai'

const ndjson = { 'content-type': 'application/x-ndjson' }
const body = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'

t.test('rosters: a platform submits its vehicles and drivers; each is checked against the licence register when read', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, xiamen, admin, anonymous } = await actors(app)
  const didi = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const other = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, didi.id)
  const rival = await platformFor(app, other.id)
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: didi.id }

  // The register: certificates in force, expired, suspended; and a driver whose certificate is numbered with the ID number.
  const inForce = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  const expired = await issueLicence(gz, licenceInput('vehicle_certificate', base, { validFrom: '2020-01-01', validUntil: '2023-12-31' }))
  const suspended = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  t.equal((await gz.inject({ method: 'POST', url: `/v1/licences/${suspended.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: '年检逾期' } })).statusCode, 201)
  const held = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  const driverId = sampleResidentId('440106', '19880512', 7)
  await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber: driverId, number: driverId }))
  const strangerId = sampleResidentId('440106', '19900101', 8)

  const vehicle = (plate: string, certificateNumber: string, extra: object = {}) => ({ entry: 'vehicle', flag: 'add', jurisdictionCode: '440100', plate, plateColour: 'blue', vin: sampleVin(900 + plate.length), certificateNumber, serviceFrom: '2025-03-01', ...extra })
  const lines = [
    vehicle(String(inForce.plate), inForce.number),
    vehicle(String(expired.plate), expired.number),
    vehicle(String(suspended.plate), suspended.number),
    vehicle(samplePlate('粤A', 801), 'NO-SUCH-CERT'),
    // The certificate exists, but for another plate.
    vehicle(samplePlate('粤A', 802), held.number),
    { entry: 'driver', flag: 'add', jurisdictionCode: '440106', idNumber: driverId, certificateNumber: driverId, serviceFrom: '2025-03-01' },
    { entry: 'driver', flag: 'add', jurisdictionCode: '440100', idNumber: strangerId, certificateNumber: 'D-NONE', serviceFrom: '2025-03-01' }
  ]
  const sent = await platform.inject({ method: 'POST', url: '/v1/roster-imports', headers: { ...ndjson, 'idempotency-key': 'roster-1' }, payload: body(lines) })
  t.equal(sent.statusCode, 201, sent.body)
  t.match(sent.json(), { status: 'completed', lines: 7, applied: 7, rejected: 0, errors: [] })
  t.match(sent.headers.location, /^\/v1\/roster-imports\/[0-9a-f-]{36}$/)
  t.notOk(sent.body.includes(driverId), 'no ID number in the answer')

  const verdicts = async (who: Client, url: string) => {
    const res = await who.inject({ url })
    t.equal(res.statusCode, 200, `${url}: ${res.body}`)
    t.notOk(res.body.includes(driverId) || res.body.includes(strangerId), 'no ID number in a roster')
    return Object.fromEntries(res.json().items.map((e: { plate?: string, driverIdMasked?: string, check: { verdict: string } }) => [e.plate ?? e.driverIdMasked, e.check.verdict]))
  }
  t.same(await verdicts(gz, '/v1/roster/vehicles?jurisdiction=440100'), {
    [String(inForce.plate)]: 'licensed',
    [String(expired.plate)]: 'expired',
    [String(suspended.plate)]: 'suspended',
    [samplePlate('粤A', 801)]: 'not_found',
    [samplePlate('粤A', 802)]: 'mismatch'
  })
  t.same(await verdicts(gz, '/v1/roster/drivers'), { [`440106********${driverId.slice(-4)}`]: 'licensed', [`440106********${strangerId.slice(-4)}`]: 'not_found' }, 'a district’s code is read as its city')
  t.same(Object.keys(await verdicts(gz, `/v1/roster/vehicles?enterprise=${didi.id}&verdict=unlicensed`)).length, 4, 'a regulator lists a platform’s unlicensed entries')
  t.same(Object.keys(await verdicts(gz, '/v1/roster/vehicles?verdict=mismatch')), [samplePlate('粤A', 802)])
  t.same(Object.keys(await verdicts(platform, '/v1/roster/vehicles?verdict=unlicensed')).length, 4, 'the platform sees its own')
  t.same(await verdicts(rival, '/v1/roster/vehicles'), {}, 'another platform sees none of them')
  t.same(await verdicts(xiamen, '/v1/roster/vehicles'), {}, 'a regulator of another city sees none of them')
  t.same(Object.keys(await verdicts(admin, '/v1/roster/drivers')).length, 2)
  t.equal((await anonymous.inject({ url: '/v1/roster/vehicles' })).statusCode, 401)

  // Derived when read: reinstating the certificate, and suspending the one in force, show at once.
  const list = (await gz.inject({ url: '/v1/roster/vehicles' })).json().items as Array<{ id: string, plate: string, check: { message: string, licenceId: string | null } }>
  const first = list.find((e) => e.plate === inForce.plate)!
  t.match(first.check, { licenceId: inForce.id, message: /is in force/ })
  t.equal((await gz.inject({ method: 'POST', url: `/v1/licences/${inForce.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: '投诉核查' } })).statusCode, 201)
  t.match((await platform.inject({ url: `/v1/roster/vehicles/${first.id}` })).json().check, { verdict: 'suspended' })
  t.match(list.find((e) => e.plate === samplePlate('粤A', 802))!.check.message, /is held by plate/)

  // The same body under the same key replays; the imports are the platform's own.
  const replay = await platform.inject({ method: 'POST', url: '/v1/roster-imports', headers: { ...ndjson, 'idempotency-key': 'roster-1' }, payload: body(lines) })
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, sent.json().id)
  t.equal((await platform.inject({ url: sent.headers.location as string })).statusCode, 200)
  t.equal((await rival.inject({ url: sent.headers.location as string })).statusCode, 404, 'another platform’s import is not found')
  t.equal((await platform.inject({ url: '/v1/roster-imports' })).json().items.length, 1)
  t.equal((await rival.inject({ url: '/v1/roster-imports' })).json().items.length, 0)
  t.equal((await rival.inject({ url: `/v1/roster/vehicles/${first.id}` })).statusCode, 404)
  t.equal((await rival.inject({ url: `/v1/roster/vehicles/${first.id}/changes` })).statusCode, 404)

  // The change feed tells the platform, and the city's regulator, that its roster changed.
  const feed = (await platform.inject({ url: '/v1/events' })).json().items as Array<{ action: string, href: string | null }>
  t.match(feed.filter((e) => e.action === 'roster_import.batch_committed'), [{ href: sent.headers.location }])
})

t.test('rosters: add, update and delete lines apply in their order, with history', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }
  const old = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  const renewed = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate: old.plate }))
  const plate = String(old.plate)
  const v = { entry: 'vehicle', jurisdictionCode: '440100', plate }
  const send = (lines: object[], key?: string) => platform.inject({ method: 'POST', url: '/v1/roster-imports', headers: { ...ndjson, ...(key ? { 'idempotency-key': key } : {}) }, payload: body(lines) })

  const first = await send([
    { ...v, flag: 'add', plateColour: 'blue', vin: sampleVin(1), certificateNumber: old.number, serviceFrom: '2025-01-01' },
    { ...v, flag: 'add', plateColour: 'blue', vin: sampleVin(1), certificateNumber: old.number, serviceFrom: '2025-01-01' },
    { ...v, flag: 'update', certificateNumber: renewed.number },
    { ...v, flag: 'delete', serviceUntil: '2025-06-30' },
    { ...v, flag: 'update', certificateNumber: old.number },
    { ...v, flag: 'add', plateColour: 'blue', vin: sampleVin(1), certificateNumber: renewed.number, serviceFrom: '2025-07-01' }
  ])
  t.equal(first.statusCode, 201, first.body)
  t.match(first.json(), { lines: 6, applied: 4, rejected: 2 })
  t.match(first.json().errors, [
    { line: 2, code: 'roster_entry_exists', errors: [{ pointer: '/plate', code: 'roster_entry_exists', message: /already on your roster in 440100/ }] },
    { line: 5, code: 'roster_entry_not_in_service', errors: [{ pointer: '/plate', message: /not on your roster in 440100: add it first/ }] }
  ])
  const current = (await platform.inject({ url: '/v1/roster/vehicles' })).json().items
  t.equal(current.length, 1, 'one entry in service')
  t.match(current[0], { plate, certificateNumber: renewed.number, serviceFrom: '2025-07-01', inService: true, version: 1 })
  const removed = (await platform.inject({ url: '/v1/roster/vehicles?inService=false' })).json().items
  t.equal(removed.length, 1)
  t.match(removed[0], { plate, certificateNumber: renewed.number, serviceUntil: '2025-06-30', inService: false, version: 3, removedAt: /T/ })
  const history = (await platform.inject({ url: `/v1/roster/vehicles/${removed[0].id}/changes` })).json().items
  t.match(history, [
    { action: 'added', importLine: 1, entry: { plate, certificateNumber: old.number } },
    { action: 'updated', importLine: 3, entry: { certificateNumber: renewed.number } },
    { action: 'removed', importLine: 4, entry: { serviceUntil: '2025-06-30' } }
  ])
  t.same(history.map((c: { entry: { serviceFrom: string, serviceUntil: string | null } }) => [c.entry.serviceFrom, c.entry.serviceUntil]), [['2025-01-01', null], ['2025-01-01', null], ['2025-01-01', '2025-06-30']], 'dates are calendar dates, exactly')
  // Refused lines are listed with the import; none of them wrote anything.
  const errors = (await platform.inject({ url: `${first.headers.location as string}/errors` })).json().items
  t.same(errors.map((e: { line: number }) => e.line), [2, 5])
})

t.test('rosters: every bad line is refused with its code and pointer, and writes nothing', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const good = { entry: 'vehicle', flag: 'add', jurisdictionCode: '440100', plate: samplePlate('粤A', 1), plateColour: 'blue', vin: sampleVin(1), certificateNumber: 'C-1', serviceFrom: '2025-01-01' }
  const driver = { entry: 'driver', flag: 'add', jurisdictionCode: '440100', idNumber: sampleResidentId('440106', '19850312', 1), certificateNumber: 'D-1', serviceFrom: '2025-01-01' }
  const cases: Array<[string, object | string, string, string]> = [
    ['a plate that is not GA 36', { ...good, plate: '粤AO2345' }, 'invalid_plate', '/plate'],
    ['a VIN whose check digit is wrong', { ...good, vin: sampleVin(1).slice(0, 8) + (sampleVin(1)[8] === '0' ? '1' : '0') + sampleVin(1).slice(9) }, 'invalid_vin', '/vin'],
    ['an ID number whose check digit is wrong', { ...driver, idNumber: driver.idNumber.slice(0, 17) + (driver.idNumber.endsWith('1') ? '2' : '1') }, 'invalid_resident_id', '/idNumber'],
    ['a flag of 4', { ...good, flag: 4 }, 'validation_failed', '/flag'],
    ['an unknown entry', { ...good, entry: 'bicycle' }, 'validation_failed', '/entry'],
    ['an unknown field', { ...good, colour: 'red' }, 'validation_failed', '/colour'],
    ['a date that does not exist', { ...good, serviceFrom: '2025-12-33' }, 'validation_failed', '/serviceFrom'],
    ['an add without its certificate', { ...good, certificateNumber: undefined }, 'validation_failed', '/certificateNumber'],
    ['an add without its VIN', { ...good, vin: undefined }, 'validation_failed', '/vin'],
    ['a green plate of 7 characters', { ...good, plateColour: 'green' }, 'invalid_plate', '/plateColour'],
    ['service that ends before it starts', { ...good, serviceUntil: '2024-12-31' }, 'invalid_validity', '/serviceUntil'],
    ['a city the platform does not operate in', { ...good, jurisdictionCode: '350200' }, 'not_operating_here', '/jurisdictionCode'],
    ['a province', { ...good, jurisdictionCode: '440000' }, 'jurisdiction_not_a_city', '/jurisdictionCode'],
    ['an unknown division', { ...good, jurisdictionCode: '449999' }, 'unknown_jurisdiction', '/jurisdictionCode'],
    ['an ID number as a transport certificate number', { ...good, certificateNumber: driver.idNumber }, 'personal_data_not_allowed', '/certificateNumber'],
    ['an update of an entry not on the roster', { ...good, flag: 'update' }, 'roster_entry_not_in_service', '/plate'],
    ['a delete of a driver not on the roster', { ...driver, flag: 'delete' }, 'roster_entry_not_in_service', '/idNumber'],
    ['a NUL byte', JSON.stringify(good).replace('C-1', 'C-\\u0000'), 'validation_failed', '/certificateNumber'],
    ['not JSON', '{"entry": "vehicle",', 'malformed_json', '']
  ]
  const before = await tableCounts(app)
  for (const [name, line, code, pointer] of cases) {
    const res = await platform.inject({ method: 'POST', url: '/v1/roster-imports', headers: ndjson, payload: (typeof line === 'string' ? line : JSON.stringify(line)) + '\n' })
    t.equal(res.statusCode, 201, name)
    t.match(res.json(), { applied: 0, rejected: 1, errors: [{ line: 1, code, errors: [{ pointer }] }] }, name)
    t.notOk(res.body.includes(driver.idNumber), `${name}: the ID number is not quoted`)
  }
  const after = await tableCounts(app)
  t.same({ ...after, imports: 0, import_errors: 0, audit_events: 0 }, { ...before, imports: 0, import_errors: 0, audit_events: 0 }, 'no roster entry or change was written')

  // Who may send: a platform only; the body as NDJSON only.
  t.equal((await gz.inject({ method: 'POST', url: '/v1/roster-imports', headers: ndjson, payload: JSON.stringify(good) + '\n' })).json().code, 'forbidden')
  t.equal((await platform.inject({ method: 'POST', url: '/v1/roster-imports', payload: good })).statusCode, 415)
  t.equal((await platform.inject({ method: 'POST', url: '/v1/roster-imports', headers: ndjson, payload: '\n\n' })).json().code, 'empty_import')
  t.equal((await platform.inject({ url: '/v1/roster/vehicles?jurisdiction=440000' })).json().code, 'jurisdiction_not_a_city')
  t.equal((await platform.inject({ url: '/v1/roster/vehicles?verdict=fine' })).statusCode, 400)
  t.same(await tableCounts(app), after)
})
