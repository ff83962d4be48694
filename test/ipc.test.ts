import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { ipcLimits } from '../src/modules/ipc/routes.js'
import { sampleResidentId, samplePlate, sampleVin } from '../src/seed/licence-samples.js'
import { actors, onePlatformOnTwoInstances, platformFor } from './helpers/actors.js'
import { tableCounts, testApp } from './helpers/app.js'
import { issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

// The national interface's envelopes, as platforms push them to the Ministry's platform today.

const envelope = (companyId: string, type: string, records: object[]) => ({ CompanyId: companyId, IPCType: type, [type]: records.map((r) => typeof r === 'object' ? { CompanyId: companyId, ...r } : r) })

t.test('a platform’s national records become its roster, its judged and completed orders, and its complaints', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, anonymous } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const company = enterprise.uscc
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }
  const driver = sampleResidentId('440106', '19880512', 41)
  const unlicensed = sampleResidentId('440106', '19900101', 42)
  const plate = samplePlate('粤A', 801)
  const vin = sampleVin(801)
  const certificate = await issueLicence(gz, licenceInput('driver_certificate', base, { idNumber: driver, validFrom: '2025-01-01', validUntil: '2030-12-31' }))
  const vehicle = await issueLicence(gz, licenceInput('vehicle_certificate', base, { plate, vin, validFrom: '2025-01-01', validUntil: '2030-12-31' }))
  const post = (body: object, headers: Record<string, string> = {}) => platform.inject({ method: 'POST', url: '/v1/ipc', headers, payload: body })

  // The roster: a vehicle by its JT/T 697.7 colour code, a driver by the LicenseId that is the ID number.
  const vehicles = await post(envelope(company, 'baseInfoVehicle', [{
    Address: 440100,
    VehicleNo: plate,
    PlateColor: '1',
    VIN: vin,
    Certificate: vehicle.number,
    RegisterDate: 20250301,
    Flag: 1,
    UpdateTime: 20250301120000,
    Seats: 5,
    Brand: '比亚迪',
    OwnerName: '广州测试出行科技有限公司',
    TransDateStart: '20250101',
    TransDateStop: 20301231
  }]))
  t.equal(vehicles.statusCode, 201, vehicles.body)
  t.match(vehicles.json(), { status: 'completed', lines: 1, applied: 1, rejected: 0 })
  t.match(vehicles.headers.location, /^\/v1\/roster-imports\//, 'the envelope is a roster import')
  const drivers = await post(envelope(company, 'baseInfoDriver', [{
    Address: '440106',
    LicenseId: driver,
    CertificateNo: certificate.number,
    RegisterDate: '20250301',
    Flag: '1',
    UpdateTime: '20250301120000',
    DriverName: '李四',
    DriverPhone: '13800138000',
    DriverBirthday: 19880512,
    NetworkCarProofOn: 20250101,
    NetworkCarProofOff: 20301231
  }]))
  t.match(drivers.json(), { applied: 1, rejected: 0 }, drivers.body)
  const vehicleRoster = (await gz.inject({ url: `/v1/roster/vehicles?jurisdiction=440100&enterprise=${enterprise.id}` })).json()
  t.match(vehicleRoster.items, [{ plate, plateColour: 'blue', vin, certificateNumber: vehicle.number, serviceFrom: '2025-03-01', check: { verdict: 'licensed' } }])
  const driverRoster = await platform.inject({ url: '/v1/roster/drivers?jurisdiction=440100' })
  t.match(driverRoster.json().items, [{ serviceFrom: '2025-03-01', check: { verdict: 'licensed' } }])
  for (const res of [drivers, driverRoster]) {
    t.notOk(res.body.includes(driver), 'the LicenseId (an ID number) is never returned')
    t.notOk(res.body.includes('13800138000') || res.body.includes('李四'), 'nor the phone or the name')
  }

  // orderCreate is checked and acknowledged; nothing of it is kept.
  const before = await tableCounts(app)
  const created = await post(envelope(company, 'orderCreate', [{ Address: 440106, OrderId: 'N1', DepartTime: 20250305100000, OrderTime: 20250305095500, Departure: '天河路1号', DepLongitude: 113361200, DepLatitude: 23124700, Destination: '广州南站', DestLongitude: 113269000, DestLatitude: 22988000, Encrypt: 1, FareType: 'A1' }]))
  t.match(created.json(), { lines: 1, applied: 1, rejected: 0 }, created.body)
  t.match(created.headers.location, /^\/v1\/order-imports\//)
  const afterCreate = await tableCounts(app)
  t.equal(afterCreate.orders, before.orders, 'no order kept from orderCreate')

  // orderMatch: judged at DistributeTime (China Standard Time), numbers or strings alike.
  const matched = await post(envelope(company, 'orderMatch', [
    { Address: 440106, OrderId: 'N1', LicenseId: driver, DriverPhone: '13800138000', VehicleNo: plate, DistributeTime: 20250305100000, Longitude: 113361200, Latitude: 23124700, Encrypt: 1 },
    { Address: '440106', OrderId: 'N2', LicenseId: unlicensed, DriverPhone: '13900139000', VehicleNo: plate, DistributeTime: '20250305233000', Encrypt: '2' }
  ]), { 'idempotency-key': 'match-1' })
  t.equal(matched.statusCode, 201, matched.body)
  t.match(matched.json(), { lines: 2, applied: 2, rejected: 0 })
  // operatePay completes it: km and yuan become metres and fen, OnArea the pickup district.
  const paid = await post(envelope(company, 'operatePay', [{
    OrderId: 'N1',
    OnArea: 440106,
    LicenseId: driver,
    VehicleNo: plate,
    FareType: 'A1',
    BookDepTime: 20250305100000,
    DepLongitude: 113361200,
    DepLatitude: 23124700,
    DepTime: 20250305100600,
    DestLongitude: 113269000,
    DestLatitude: 22988000,
    DestTime: 20250305103100,
    DriveMile: 12.4,
    DriveTime: 1500,
    FactPrice: '38.50',
    Price: 40,
    PayState: '1',
    PayTime: 20250305103200,
    InvoiceStatus: '0',
    Encrypt: 1
  }]))
  t.match(paid.json(), { applied: 1, rejected: 0, findings: {} }, paid.body)
  const orders = (await gz.inject({ url: `/v1/orders?jurisdiction=440100&month=2025-03&enterprise=${enterprise.id}` })).json().items
  t.match(orders, [
    { orderId: 'N1', matchedAt: '2025-03-05T02:00:00.000Z', departedAt: '2025-03-05T02:06:00.000Z', arrivedAt: '2025-03-05T02:31:00.000Z', distanceMetres: 12400, durationSeconds: 1500, fareFen: 3850, pickupDistrict: '440106', verdict: 'compliant' },
    { orderId: 'N2', matchedAt: '2025-03-05T15:30:00.000Z', matchDay: '2025-03-05', verdict: 'driver_unlicensed', departedAt: null }
  ])
  const all = JSON.stringify(orders)
  t.notOk(all.includes('113361200') || all.includes('天河路'), 'no coordinate or address is kept')

  // A complaint counts against the order's platform and city, on the day it was made.
  const complained = await post(envelope(company, 'ratedPassengerComplaint', [{ OrderId: 'N2', ComplaintTime: 20250306091500, Detail: '司机绕路，乘客手机13700137000', Result: '' }]))
  t.match(complained.json(), { applied: 1, rejected: 0 }, complained.body)
  t.match(complained.headers.location, /^\/v1\/complaint-imports\//)
  t.match((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json(), { orders: 2, compliant: 1, complaints: 1, complaintsPer10kOrders: 5000, byReason: { driver_unlicensed: 1 } })
  // Sent again once handled: still one complaint.
  t.match((await post(envelope(company, 'ratedPassengerComplaint', [{ OrderId: 'N2', ComplaintTime: 20250306091500, Detail: '司机绕路', Result: '已退款' }]))).json(), { applied: 1 })
  t.match((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&from=2025-03-06&to=2025-03-06' })).json(), { orders: 0, complaints: 1 })
  t.notOk(rowsOf(await app.db.execute(sql`select * from order_complaints`)).some((r) => JSON.stringify(r).includes('绕路')), 'the complaint’s text is not kept')

  // Flag 3: taken off the roster, last in service on the day of UpdateTime.
  t.match((await post(envelope(company, 'baseInfoVehicle', [{ Address: 440100, VehicleNo: plate, Flag: 3, UpdateTime: 20250630180000 }]))).json(), { applied: 1, rejected: 0 })
  t.match((await gz.inject({ url: `/v1/roster/vehicles?jurisdiction=440100&enterprise=${enterprise.id}&inService=false` })).json().items, [{ plate, serviceUntil: '2025-06-30', inService: false }])

  // The same key and envelope replay; another envelope under that key is refused.
  const replay = await post(envelope(company, 'orderMatch', [
    { Address: 440106, OrderId: 'N1', LicenseId: driver, DriverPhone: '13800138000', VehicleNo: plate, DistributeTime: 20250305100000, Longitude: 113361200, Latitude: 23124700, Encrypt: 1 },
    { Address: '440106', OrderId: 'N2', LicenseId: unlicensed, DriverPhone: '13900139000', VehicleNo: plate, DistributeTime: '20250305233000', Encrypt: '2' }
  ]), { 'idempotency-key': 'match-1' })
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, matched.json().id)
  const reused = await post(envelope(company, 'orderMatch', [{ Address: 440106, OrderId: 'N3', LicenseId: driver, VehicleNo: plate, DistributeTime: 20250305100000 }]), { 'idempotency-key': 'match-1' })
  t.equal(reused.statusCode, 422)
  t.equal(reused.json().code, 'idempotency_key_reused')
  // The same records under another IPCType are another body: the key is not theirs.
  const keyed = { Address: 440106, OrderId: 'N9', LicenseId: driver, VehicleNo: plate, DistributeTime: 20250305120000, DepartTime: 20250305120000, OrderTime: 20250305115500 }
  t.equal((await post(envelope(company, 'orderCreate', [keyed]), { 'idempotency-key': 'typed-1' })).statusCode, 201)
  const retyped = await post(envelope(company, 'orderMatch', [keyed]), { 'idempotency-key': 'typed-1' })
  t.equal(retyped.statusCode, 422, retyped.body)
  t.equal(retyped.json().code, 'idempotency_key_reused', 'not replayed as if the match had landed')
  // The CompanyId the Ministry assigned, once its regulator records it, names the enterprise too.
  const patched = await gz.inject({ method: 'PATCH', url: `/v1/enterprises/${enterprise.id}`, headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' }, payload: { ipcCompanyId: 'gz-test-mobility' } })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.json().ipcCompanyId, 'gz-test-mobility')
  const byMinistryId = await post(envelope('gz-test-mobility', 'orderMatch', [{ Address: 440106, OrderId: 'M9', LicenseId: driver, VehicleNo: plate, DistributeTime: 20250306100000 }]))
  t.match(byMinistryId.json(), { applied: 1, rejected: 0 }, byMinistryId.body)
  const other = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const taken = await gz.inject({ method: 'PATCH', url: `/v1/enterprises/${other.id}`, headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' }, payload: { ipcCompanyId: 'gz-test-mobility' } })
  t.equal(taken.statusCode, 409)
  t.match(taken.json(), { code: 'company_id_taken', errors: [{ pointer: '/ipcCompanyId' }] })
  const twice = await gz.inject({ method: 'POST', url: '/v1/enterprises', payload: { uscc: '91440106MA59999994', nameZh: '广州重复出行科技有限公司', sectors: ['ride_hailing'], jurisdictionCodes: ['440106'], ipcCompanyId: 'gz-test-mobility' } })
  t.equal(twice.json().code, twice.statusCode === 400 ? 'invalid_uscc' : 'company_id_taken', twice.body)
  // Envelopes pushed at once are taken in turn, not turned away.
  const together = await Promise.all([1, 2, 3].map((n) => post(envelope(company, 'orderMatch', [{ Address: 440106, OrderId: `P${n}`, LicenseId: driver, VehicleNo: plate, DistributeTime: 20250307100000 + n }]))))
  t.same(together.map((r) => [r.statusCode, r.json().applied]), [[201, 1], [201, 1], [201, 1]], 'three envelopes at once all land')
  // The import is read where Location says, by the platform only.
  t.match((await platform.inject({ url: matched.headers.location as string })).json(), { id: matched.json().id, lines: 2 })
  t.equal((await anonymous.inject({ url: matched.headers.location as string })).statusCode, 401)
})

t.test('an envelope that is not one company’s records of one known type is refused whole, and writes nothing', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const other = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const company = enterprise.uscc
  const match = { Address: 440106, OrderId: 'E1', LicenseId: sampleResidentId('440106', '19880512', 51), VehicleNo: samplePlate('粤A', 901), DistributeTime: 20250305100000 }
  const many = Array.from({ length: ipcLimits.records + 1 }, (_, i) => ({ ...match, OrderId: `E${i}` }))
  const deep = '['.repeat(5000) + ']'.repeat(5000)
  const cases: Array<[string, unknown, number, string, string, string?]> = [
    ['an unknown IPCType', { CompanyId: company, IPCType: 'orderDispatch', orderDispatch: [match] }, 400, 'validation_failed', '/IPCType', 'unknown_ipc_type'],
    ['a type of the interface not taken here', { CompanyId: company, IPCType: 'positionVehicle', positionVehicle: [match] }, 400, 'validation_failed', '/IPCType', 'unknown_ipc_type'],
    ['no IPCType', { CompanyId: company, orderMatch: [match] }, 400, 'validation_failed', '/IPCType', 'required'],
    ['no CompanyId', { IPCType: 'orderMatch', orderMatch: [match] }, 400, 'validation_failed', '/CompanyId', 'required'],
    ['another company’s envelope', envelope(other.uscc, 'orderMatch', [match]), 403, 'company_mismatch', '/CompanyId', 'company_mismatch'],
    ['a company that is not registered', envelope('91440113MA00000000', 'orderMatch', [match]), 403, 'company_mismatch', '/CompanyId'],
    ['no records under the IPCType', { CompanyId: company, IPCType: 'orderMatch' }, 400, 'validation_failed', '/orderMatch', 'required'],
    ['records under another name', { CompanyId: company, IPCType: 'orderMatch', orderMatch: [match], operatePay: [] }, 400, 'validation_failed', '/operatePay', 'one_type_per_envelope'],
    ['an empty array', { CompanyId: company, IPCType: 'orderMatch', orderMatch: [] }, 400, 'empty_import', '/orderMatch'],
    [`more than ${ipcLimits.records} records`, envelope(company, 'orderMatch', many), 413, 'payload_too_large', '/orderMatch', 'too_many_records'],
    ['an array for a body', [match], 400, 'validation_failed', ''],
    ['a CompanyId of 40 characters', envelope('9'.repeat(40), 'orderMatch', [match]), 400, 'validation_failed', '/CompanyId'],
    ['null for the records', { CompanyId: company, IPCType: 'orderMatch', orderMatch: null }, 400, 'validation_failed', '/orderMatch', 'type'],
    ['a string for the records', { CompanyId: company, IPCType: 'orderMatch', orderMatch: 'x' }, 400, 'validation_failed', '/orderMatch', 'type'],
    ['a number for the records', { CompanyId: company, IPCType: 'orderMatch', orderMatch: 5 }, 400, 'validation_failed', '/orderMatch', 'type'],
    // As text: JSON.stringify itself cannot write these.
    ['a record nested 5,000 deep', `{"CompanyId":"${company}","IPCType":"orderMatch","orderMatch":[${JSON.stringify({ ...match, CompanyId: company })},{"CompanyId":"${company}","X":${deep}}]}`, 400, 'validation_failed', '/orderMatch/1', 'nested_too_deep'],
    ['a record that is itself nested 5,000 deep', `{"CompanyId":"${company}","IPCType":"orderMatch","orderMatch":[${deep}]}`, 400, 'validation_failed', '/orderMatch/0', 'nested_too_deep']
  ]
  const before = await tableCounts(app)
  for (const [name, payload, status, code, pointer, detail] of cases) {
    const res = await platform.inject({ method: 'POST', url: '/v1/ipc', headers: { 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })
    t.equal(res.statusCode, status, `${name}: ${res.body.slice(0, 300)}`)
    t.equal(res.json().code, code, name)
    t.equal(res.json().errors?.[0]?.pointer, pointer, name)
    if (detail) t.equal(res.json().errors[0].code, detail, name)
  }
  const sent = (headers: Record<string, string>, payload: string) => platform.inject({ method: 'POST', url: '/v1/ipc', headers, payload })
  t.equal((await sent({ 'content-type': 'application/x-ndjson' }, JSON.stringify(envelope(company, 'orderMatch', [match])))).json().code, 'unsupported_media_type', 'NDJSON is the native imports’ type, not an envelope’s')
  t.equal((await sent({ 'content-type': 'text/plain' }, 'hello')).statusCode, 415)
  t.equal((await sent({ 'content-type': 'application/json' }, '{"CompanyId": "x", "IPCType": ')).json().code, 'malformed_json')
  t.equal((await sent({ 'content-type': 'application/json' }, '{"__proto__": {"x": 1}, "CompanyId": "x", "IPCType": "orderMatch"}')).statusCode, 400)
  t.equal((await gz.inject({ method: 'POST', url: '/v1/ipc', payload: envelope(company, 'orderMatch', [match]) })).json().code, 'forbidden', 'a regulator sends no platform data')
  // A bike-share operator's key sends no ride-hailing data, in either format.
  const bikes = await registerEnterprise(gz, { jurisdictionCodes: ['440106'], sectors: ['bike_share'] })
  const bikeKey = await platformFor(app, bikes.id)
  const refused = await bikeKey.inject({ method: 'POST', url: '/v1/ipc', payload: envelope(bikes.uscc, 'orderMatch', [{ ...match, CompanyId: bikes.uscc }]) })
  t.equal(refused.statusCode, 403, refused.body)
  t.match(refused.json(), { code: 'forbidden', detail: /bike_share, not ride_hailing/ })
  const ndjson = { 'content-type': 'application/x-ndjson' }
  for (const url of ['/v1/order-imports', '/v1/roster-imports', '/v1/complaint-imports']) {
    t.equal((await bikeKey.inject({ method: 'POST', url, headers: ndjson, payload: '{"orderId":"x"}\n' })).json().code, 'forbidden', `${url}: not a ride-hailing platform`)
  }
  const registered = { enterprises: 0, enterprise_status_changes: 0, api_keys: 0, audit_events: 0 }
  t.same({ ...await tableCounts(app), ...registered }, { ...before, ...registered }, 'nothing was written but the bike-share operator and its key')
})

t.test('each record that does not fit is refused with the national field’s name, while the others land', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  const platform = await platformFor(app, enterprise.id)
  const company = enterprise.uscc
  const driver = sampleResidentId('440106', '19880512', 61)
  const plate = samplePlate('粤A', 911)
  const post = async (type: string, records: object[]) => {
    const res = await platform.inject({ method: 'POST', url: '/v1/ipc', payload: envelope(company, type, records) })
    t.equal(res.statusCode, 201, res.body)
    return res.json()
  }
  const match = { Address: 440106, OrderId: 'R1', LicenseId: driver, VehicleNo: plate, DistributeTime: 20250305100000 }
  t.match(await post('orderMatch', [match]), { applied: 1 })

  const vehicle = { Address: 440100, VehicleNo: samplePlate('粤A', 912), PlateColor: '蓝色', VIN: sampleVin(912), Certificate: '440100运00000912', RegisterDate: 20250301, Flag: 1, UpdateTime: 20250301120000 }
  const driverRecord = { Address: 440106, LicenseId: driver, CertificateNo: '440100驾00000961', RegisterDate: 20250301, Flag: 1, UpdateTime: 20250301120000 }
  const pay = { OrderId: 'R1', OnArea: 440106, LicenseId: driver, VehicleNo: plate, DepTime: 20250305100600, DestTime: 20250305103100, DriveMile: 12.4, DriveTime: 1500, FactPrice: 38.5 }
  const cases: Array<[string, string, object, string, string, string]> = [
    ['a date like 20121233', 'baseInfoVehicle', { ...vehicle, RegisterDate: 20121233 }, 'invalid_ipc_value', '/RegisterDate', 'invalid_date'],
    ['29 February of a year that has none', 'baseInfoDriver', { ...driverRecord, NetworkCarProofOff: 20270229 }, 'invalid_ipc_value', '/NetworkCarProofOff', 'invalid_date'],
    ['a date with letters', 'baseInfoVehicle', { ...vehicle, TransDateStop: '2030-12-31' }, 'invalid_ipc_value', '/TransDateStop', 'not_digits'],
    ['a time with F8 where F14 is due', 'orderMatch', { ...match, OrderId: 'R2', DistributeTime: 20250305 }, 'invalid_ipc_value', '/DistributeTime', 'wrong_length'],
    ['a time of 25 o’clock', 'orderMatch', { ...match, OrderId: 'R2', DistributeTime: 20250305250000 }, 'invalid_ipc_value', '/DistributeTime', 'invalid_time'],
    ['a Flag of 4', 'baseInfoVehicle', { ...vehicle, Flag: 4 }, 'invalid_ipc_value', '/Flag', 'unknown_flag'],
    ['an UpdateTime of 8 digits', 'baseInfoDriver', { ...driverRecord, UpdateTime: 20250301 }, 'invalid_ipc_value', '/UpdateTime', 'wrong_length'],
    ['a record of another company', 'orderMatch', { ...match, OrderId: 'R2', CompanyId: '91440113MA55TH2H7L' }, 'company_mismatch', '/CompanyId', 'company_mismatch'],
    ['a city the platform does not operate in', 'orderMatch', { ...match, OrderId: 'R2', Address: 350203 }, 'not_operating_here', '/Address', 'not_operating_here'],
    ['an orderCreate in such a city', 'orderCreate', { Address: 350203, OrderId: 'R2', DepartTime: 20250305100000, OrderTime: 20250305095500 }, 'not_operating_here', '/Address', 'not_operating_here'],
    ['a region code of 4 digits', 'orderMatch', { ...match, OrderId: 'R2', Address: 4401 }, 'invalid_ipc_value', '/Address', 'wrong_length'],
    ['a malformed plate', 'baseInfoVehicle', { ...vehicle, VehicleNo: '粤AO2345' }, 'invalid_plate', '/VehicleNo', 'plate_character'],
    ['a VIN whose check digit fails', 'baseInfoVehicle', { ...vehicle, VIN: vehicle.VIN.slice(0, 8) + (vehicle.VIN[8] === '0' ? '1' : '0') + vehicle.VIN.slice(9) }, 'invalid_vin', '/VIN', 'vin_check_digit'],
    ['an unknown plate colour', 'baseInfoVehicle', { ...vehicle, PlateColor: '紫色' }, 'invalid_ipc_value', '/PlateColor', 'unknown_plate_colour'],
    ['a vehicle to add without its VIN', 'baseInfoVehicle', { ...vehicle, VIN: undefined }, 'validation_failed', '/VIN', 'required'],
    ['an ID number that is not GB 11643', 'baseInfoDriver', { ...driverRecord, LicenseId: driver.slice(0, 17) + (driver.endsWith('1') ? '2' : '1') }, 'invalid_resident_id', '/LicenseId', 'id_check_digit'],
    ['a match of 1970-01-01', 'orderMatch', { ...match, OrderId: 'R2', DistributeTime: 19700101080000 }, 'invalid_order_times', '/DistributeTime', 'implausible_time'],
    ['an order id used with another vehicle', 'orderMatch', { ...match, VehicleNo: samplePlate('粤A', 913) }, 'order_conflict', '/VehicleNo', 'order_conflict'],
    ['an order id with a space', 'orderMatch', { ...match, OrderId: 'R 2' }, 'validation_failed', '/OrderId', 'pattern'],
    ['a NUL in the order id', 'orderMatch', { ...match, OrderId: 'R\u00002' }, 'validation_failed', '/OrderId', 'pattern'],
    ['a NUL in the plate', 'orderMatch', { ...match, OrderId: 'R2', VehicleNo: '粤A\u000012345' }, 'invalid_plate', '/VehicleNo', 'plate_energy_letter'],
    ['a NUL in a field not kept', 'orderMatch', { ...match, OrderId: 'R2', DriverPhone: '138\u0000' }, 'validation_failed', '/DriverPhone', 'nul_character'],
    ['a payment of an order never matched', 'operatePay', { ...pay, OrderId: 'R9' }, 'order_not_matched', '/OrderId', 'order_not_matched'],
    ['completed before it was matched', 'operatePay', { ...pay, DepTime: 20250305095900 }, 'invalid_order_times', '/DepTime', 'before_match'],
    ['a pay time of 1970', 'operatePay', { ...pay, PayTime: 19700101000000 }, 'invalid_order_times', '/PayTime', 'implausible_time'],
    ['a pickup district of another city', 'operatePay', { ...pay, OnArea: 350203 }, 'validation_failed', '/OnArea', 'outside_city'],
    ['a negative distance', 'operatePay', { ...pay, DriveMile: -1 }, 'invalid_ipc_value', '/DriveMile', 'not_an_amount'],
    ['a fare in words', 'operatePay', { ...pay, FactPrice: '三十八' }, 'invalid_ipc_value', '/FactPrice', 'not_an_amount'],
    ['a ride time with a fraction', 'operatePay', { ...pay, DriveTime: 15.5 }, 'validation_failed', '/DriveTime', 'type'],
    ['a ride time in words', 'operatePay', { ...pay, DriveTime: '25分钟' }, 'invalid_ipc_value', '/DriveTime', 'not_seconds'],
    ['coordinates in degrees', 'operatePay', { ...pay, DepLongitude: 113.3612, DepLatitude: 23.1247, Encrypt: 1 }, 'invalid_ipc_value', '/DepLongitude', 'not_micro_degrees'],
    ['coordinates outside China', 'orderMatch', { ...match, OrderId: 'R2', Longitude: -73985000, Latitude: 40748000, Encrypt: 2 }, 'invalid_ipc_value', '/Longitude', 'outside_china'],
    ['coordinates without their datum', 'orderMatch', { ...match, OrderId: 'R2', Longitude: 113361200, Latitude: 23124700 }, 'validation_failed', '/Encrypt', 'required'],
    ['an Encrypt of 7', 'orderMatch', { ...match, OrderId: 'R2', Longitude: 113361200, Latitude: 23124700, Encrypt: 7 }, 'invalid_ipc_value', '/Encrypt', 'unknown_datum'],
    ['a complaint about an order never sent', 'ratedPassengerComplaint', { OrderId: 'R9', ComplaintTime: 20250306091500 }, 'order_not_matched', '/OrderId', 'order_not_matched'],
    ['a complaint before the order', 'ratedPassengerComplaint', { OrderId: 'R1', ComplaintTime: 20250301091500 }, 'invalid_order_times', '/ComplaintTime', 'before_match'],
    ['a record that is not an object', 'orderMatch', 'R2' as unknown as object, 'validation_failed', '', 'type'],
    ['a record without VehicleNo', 'orderMatch', { ...match, OrderId: 'R2', VehicleNo: undefined }, 'validation_failed', '/VehicleNo', 'required'],
    ['a record of 20 KiB', 'orderMatch', { ...match, OrderId: 'R2', PassengerNote: 'x'.repeat(20_000) }, 'payload_too_large', '', 'line_too_long'],
    ['an Encrypt named like a property of every object', 'orderMatch', { ...match, OrderId: 'R2', Longitude: 113361200, Latitude: 23124700, Encrypt: 'toString' }, 'invalid_ipc_value', '/Encrypt', 'unknown_datum'],
    ['a plate colour named like one', 'baseInfoVehicle', { ...vehicle, PlateColor: 'constructor' }, 'invalid_ipc_value', '/PlateColor', 'unknown_plate_colour'],
    ['taken off at an UpdateTime of 1970', 'baseInfoVehicle', { Address: 440100, VehicleNo: vehicle.VehicleNo, Flag: 3, UpdateTime: 19700101000000 }, 'invalid_ipc_value', '/UpdateTime', 'implausible_time'],
    ['taken off at an UpdateTime to come', 'baseInfoDriver', { Address: 440106, LicenseId: driver, Flag: 3, UpdateTime: 20991231000000 }, 'invalid_ipc_value', '/UpdateTime', 'in_the_future'],
    ['a payment whose order id holds a NUL', 'operatePay', { ...pay, OrderId: 'R\u00001' }, 'order_not_matched', '/OrderId', 'order_not_matched'],
    ['a payment whose order id holds a lone surrogate', 'operatePay', { ...pay, OrderId: 'R\ud8001' }, 'order_not_matched', '/OrderId', 'order_not_matched']
  ]
  const before = await tableCounts(app)
  for (const [name, type, record, code, pointer, detail] of cases) {
    const answer = await post(type, [record])
    t.match(answer, { lines: 1, applied: 0, rejected: 1, errors: [{ line: 1, code, errors: [{ pointer, code: detail }] }] }, name)
    t.notOk(JSON.stringify(answer).includes(driver), `${name}: the ID number is not quoted`)
  }
  t.same({ ...await tableCounts(app), imports: 0, import_errors: 0, audit_events: 0 }, { ...before, imports: 0, import_errors: 0, audit_events: 0 }, 'no refused record wrote anything')

  // A coordinate is never quoted, not even one sent in degrees or with its axes swapped: it is still a passenger's position.
  const placed = await post('orderCreate', [{ Address: 440106, OrderId: 'C1', DepartTime: 20250305100000, OrderTime: 20250305095500, DepLongitude: 23124700, DepLatitude: 113361200, Encrypt: 1 }, { Address: 440106, OrderId: 'C2', DepartTime: 20250305100000, OrderTime: 20250305095500, DestLongitude: 113.361234, DestLatitude: 23.124711, Encrypt: 1 }])
  t.match(placed, { rejected: 2, errors: [{ errors: [{ pointer: '/DepLongitude', code: 'outside_china' }] }, { errors: [{ pointer: '/DestLongitude', code: 'not_micro_degrees' }] }] })
  const stored = JSON.stringify((await platform.inject({ url: `/v1/order-imports/${placed.id}/errors` })).json())
  t.notOk(['23124700', '113361200', '113.361234', '23.124711'].some((c) => stored.includes(c)), 'no coordinate in the stored errors')

  // One payment with an id no order can have does not hold back the valid one beside it.
  t.match(await post('operatePay', [{ ...pay, OrderId: 'R\u0000Z' }, pay]), { applied: 1, rejected: 1, errors: [{ line: 1, code: 'order_not_matched' }] })

  // In one envelope, the valid records land and each refused one is named by its place in the array.
  const mixed = await post('orderMatch', [{ ...match, OrderId: 'M1' }, { ...match, OrderId: 'M2', DistributeTime: 20121233000000 }, { ...match, OrderId: 'M3', DistributeTime: 19700101000000 }, { ...match, OrderId: 'M4' }])
  t.match(mixed, { lines: 4, applied: 2, rejected: 2, findings: { implausible_time: 1 }, errors: [{ line: 2, errors: [{ pointer: '/DistributeTime', code: 'invalid_time' }] }, { line: 3, code: 'invalid_order_times' }] })
  t.match(await post('operatePay', [{ ...pay, OrderId: 'M1', DriveMile: 0.05, DriveTime: 0 }, { ...pay, OrderId: 'M4', DepTime: 20250305095000 }]), { applied: 1, rejected: 1, findings: { zero_ride: 1, completed_before_match: 1 } }, 'the data-quality findings of a submission')
})

t.test('an envelope and a native import of the same order ids at once, on two instances, write each order once', async (t) => {
  const app = await testApp(t)
  const two = await onePlatformOnTwoInstances(t, app)
  if (!two) return
  const { gz, enterprise, here, there } = two
  const driver = sampleResidentId('440106', '19880512', 61)
  const plate = samplePlate('粤A', 861)
  // The same 3,000 ids, matched a minute apart on each side: an id names one order, so one side's
  // line of each is refused. Three rounds, fresh ids each: the first meets two cold instances, and
  // the two requests may barely overlap.
  for (let round = 1; round <= 3; round++) {
    const native = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ orderId: `race-${round}-${i}`, jurisdictionCode: '440106', matchedAt: `2025-03-0${round}T10:00:00+08:00`, driverIdNumber: driver, plate })).join('\n') + '\n'
    const national = envelope(enterprise.uscc, 'orderMatch', Array.from({ length: 3000 }, (_, i) => ({ Address: 440106, OrderId: `race-${round}-${i}`, LicenseId: driver, VehicleNo: plate, DistributeTime: Number(`2025030${round}100100`) })))
    const [a, b] = await Promise.all([
      here.inject({ method: 'POST', url: '/v1/order-imports', headers: { 'content-type': 'application/x-ndjson' }, payload: native }),
      there.inject({ method: 'POST', url: '/v1/ipc', payload: national })
    ])
    t.equal(a.statusCode, 201, a.body.slice(0, 300))
    t.equal(b.statusCode, 201, b.body.slice(0, 300))
    t.equal(a.json().applied + b.json().applied, 3000, `round ${round}: each id applied once between the two`)
    t.equal(a.json().rejected + b.json().rejected, 3000, `round ${round}: and refused once as order_conflict`)
    t.equal((await tableCounts(app)).orders, 3000 * round, `round ${round}: 3,000 orders more`)
  }
  t.equal((await gz.inject({ url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' })).json().orders, 9000, 'counted once')
})
