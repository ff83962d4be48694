import t from 'tap'
import { sampleResidentId, sampleVin } from '../src/seed/licence-samples.js'
import { actors } from './helpers/actors.js'
import { tableCounts, testApp } from './helpers/app.js'
import { createAgency, issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

type Type = Parameters<typeof licenceInput>[0]

interface Ids { agency: string, enterprise: string, marketAgency: string, xiamenAgency: string, licence: string, revoked: string, taken: string }

interface Case {
  name: string
  /** A licence of this type with these changes, sent to POST /v1/licences and as an import line. */
  licence?: [Type, (ids: Ids) => Record<string, unknown>]
  request?: (ids: Ids) => { method?: 'GET' | 'POST', url: string, headers?: Record<string, string>, payload?: object | string }
  status: number
  code: string
  pointer?: { in: string, pointer: string, code?: string }
}

const wrongCheck = (vin: string) => vin.slice(0, 8) + (vin[8] === '1' ? '2' : '1') + vin.slice(9)
const goodId = sampleResidentId('440106', '19850312', 1)

const cases: Case[] = [
  { name: 'plate with the letter I', licence: ['vehicle_certificate', () => ({ plate: '粤AI2345' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plate', code: 'plate_character' } },
  { name: 'plate with the letter O', licence: ['vehicle_certificate', () => ({ plate: '粤AO2345' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plate', code: 'plate_character' } },
  { name: 'plate too short', licence: ['vehicle_certificate', () => ({ plate: '粤A1234' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plate', code: 'plate_length' } },
  { name: 'plate too long', licence: ['vehicle_certificate', () => ({ plate: '粤A1234567' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plate', code: 'plate_length' } },
  { name: 'new-energy plate with a wrong energy letter', licence: ['vehicle_certificate', () => ({ plate: '粤AM12345', plateColour: 'green' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plate', code: 'plate_energy_letter' } },
  { name: 'plate of no province', licence: ['vehicle_certificate', () => ({ plate: '港A12345' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plate', code: 'plate_province' } },
  { name: 'new-energy plate in blue', licence: ['vehicle_certificate', () => ({ plate: '粤AD12345', plateColour: 'blue' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plateColour', code: 'plate_colour_mismatch' } },
  { name: 'ordinary plate in green', licence: ['vehicle_certificate', () => ({ plate: '粤A12345', plateColour: 'green' })], status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plateColour', code: 'plate_colour_mismatch' } },
  { name: 'unknown plate colour', licence: ['vehicle_certificate', () => ({ plateColour: 'pink' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/plateColour', code: 'enum' } },
  { name: 'VIN with a bad check digit', licence: ['vehicle_certificate', () => ({ vin: wrongCheck(sampleVin(5)) })], status: 400, code: 'invalid_vin', pointer: { in: 'body', pointer: '/vin', code: 'vin_check_digit' } },
  { name: 'VIN with the letter Q', licence: ['vehicle_certificate', () => ({ vin: 'LSVAB12CQ00000001' })], status: 400, code: 'invalid_vin', pointer: { in: 'body', pointer: '/vin', code: 'vin_character' } },
  { name: 'VIN of 16 characters', licence: ['vehicle_certificate', () => ({ vin: sampleVin(5).slice(1) })], status: 400, code: 'invalid_vin', pointer: { in: 'body', pointer: '/vin', code: 'vin_length' } },
  { name: 'ID number with a bad check digit', licence: ['driver_certificate', () => ({ idNumber: goodId.slice(0, 17) + (goodId[17] === '1' ? '2' : '1') })], status: 400, code: 'invalid_resident_id', pointer: { in: 'body', pointer: '/idNumber', code: 'id_check_digit' } },
  { name: 'ID number with an impossible birth date', licence: ['driver_certificate', () => ({ idNumber: sampleResidentId('440106', '19990231', 1) })], status: 400, code: 'invalid_resident_id', pointer: { in: 'body', pointer: '/idNumber', code: 'id_birth_date' } },
  { name: 'ID number born in the future', licence: ['driver_certificate', () => ({ idNumber: sampleResidentId('440106', '20991231', 1) })], status: 400, code: 'invalid_resident_id', pointer: { in: 'body', pointer: '/idNumber', code: 'id_birth_date' } },
  { name: 'ID number of 15 characters', licence: ['driver_certificate', () => ({ idNumber: goodId.slice(0, 15) })], status: 400, code: 'invalid_resident_id', pointer: { in: 'body', pointer: '/idNumber', code: 'id_length' } },
  { name: 'validity ending before it starts', licence: ['platform_permit', () => ({ validFrom: '2026-01-02', validUntil: '2026-01-01' })], status: 400, code: 'invalid_validity', pointer: { in: 'body', pointer: '/validUntil', code: 'validity_ends_before_start' } },
  { name: 'a date that does not exist', licence: ['platform_permit', () => ({ validUntil: '2026-02-30' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/validUntil', code: 'format' } },
  { name: 'a year PostgreSQL cannot store', licence: ['platform_permit', () => ({ validFrom: '0000-01-01' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/validFrom', code: 'format_minimum' } },
  { name: 'a date no licence reaches', licence: ['platform_permit', () => ({ validUntil: '9999-12-31' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/validUntil', code: 'format_maximum' } },
  { name: 'number with a NUL character', licence: ['platform_permit', () => ({ number: 'A\u0000B' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/number', code: 'number_format' } },
  { name: 'number with a line break', licence: ['platform_permit', () => ({ number: 'A\nB' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/number', code: 'number_format' } },
  { name: 'driver certificate numbered with another person’s ID number', licence: ['driver_certificate', () => ({ number: sampleResidentId('440106', '19700101', 9) })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/number', code: 'number_is_another_resident_id' } },
  { name: 'vehicle certificate numbered with a resident ID number', licence: ['vehicle_certificate', () => ({ number: goodId })], status: 400, code: 'personal_data_not_allowed', pointer: { in: 'body', pointer: '/number', code: 'number_holds_resident_id' } },
  { name: 'platform permit whose number holds a resident ID number', licence: ['platform_permit', () => ({ number: `XK${goodId}` })], status: 400, code: 'personal_data_not_allowed', pointer: { in: 'body', pointer: '/number', code: 'number_holds_resident_id' } },
  { name: 'issuing agency not a transport agency', licence: ['platform_permit', (ids) => ({ issuingAgencyId: ids.marketAgency })], status: 422, code: 'invalid_issuing_agency', pointer: { in: 'body', pointer: '/issuingAgencyId', code: 'not_transport_agency_of_jurisdiction' } },
  { name: 'issuing agency of another city', licence: ['platform_permit', (ids) => ({ issuingAgencyId: ids.xiamenAgency })], status: 422, code: 'invalid_issuing_agency', pointer: { in: 'body', pointer: '/issuingAgencyId' } },
  { name: 'issuing agency that does not exist', licence: ['platform_permit', () => ({ issuingAgencyId: '01900000-0000-7000-8000-000000000000' })], status: 422, code: 'invalid_issuing_agency', pointer: { in: 'body', pointer: '/issuingAgencyId' } },
  { name: 'enterprise that does not exist', licence: ['platform_permit', () => ({ enterpriseId: '01900000-0000-7000-8000-000000000000' })], status: 422, code: 'unknown_enterprise', pointer: { in: 'body', pointer: '/enterpriseId', code: 'unknown_enterprise' } },
  { name: 'permit without its holder', licence: ['platform_permit', () => ({ enterpriseId: undefined })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/enterpriseId', code: 'required' } },
  // The schema states the holder is a uuid, so null is refused by it, as a type.
  { name: 'filing with a null holder', licence: ['car_share_filing', () => ({ enterpriseId: null })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/enterpriseId', code: 'type' } },
  { name: 'licence type not a string', licence: ['platform_permit', () => ({ type: 5 })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/type', code: 'type' } },
  { name: 'licence without a type', licence: ['platform_permit', () => ({ type: undefined })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/type', code: 'required' } },
  { name: 'vehicle with a null plate', licence: ['vehicle_certificate', () => ({ plate: null })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/plate', code: 'type' } },
  { name: 'vehicle without a VIN', licence: ['vehicle_certificate', () => ({ vin: undefined })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/vin', code: 'required' } },
  { name: 'vehicle with an ID number', licence: ['vehicle_certificate', () => ({ idNumber: goodId })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/idNumber', code: 'not_allowed' } },
  { name: 'driver without an ID number', licence: ['driver_certificate', () => ({ idNumber: undefined })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/idNumber', code: 'required' } },
  { name: 'driver with a plate', licence: ['driver_certificate', () => ({ plate: '粤A12345' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/plate', code: 'not_allowed' } },
  { name: 'unknown licence type', licence: ['platform_permit', () => ({ type: 'taxi_permit' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/type', code: 'enum' } },
  { name: 'unknown field', licence: ['platform_permit', () => ({ status: 'active' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/status', code: 'unknown_field' } },
  { name: 'number with surrounding spaces', licence: ['platform_permit', () => ({ number: ' 123 ' })], status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/number', code: 'number_format' } },
  { name: 'unknown jurisdiction', licence: ['platform_permit', () => ({ jurisdictionCode: '999999' })], status: 422, code: 'unknown_jurisdiction', pointer: { in: 'body', pointer: '/jurisdictionCode' } },
  { name: 'jurisdiction outside the regulator’s', licence: ['platform_permit', (ids) => ({ jurisdictionCode: '350200', issuingAgencyId: ids.xiamenAgency })], status: 403, code: 'outside_jurisdiction', pointer: { in: 'body', pointer: '/jurisdictionCode' } },
  { name: 'a number already in the register', licence: ['platform_permit', (ids) => ({ number: ids.taken })], status: 409, code: 'licence_number_taken', pointer: { in: 'body', pointer: '/number', code: 'licence_number_taken' } },
  // Transitions, lists, lookups and verification.
  { name: 'transition from revoked', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.revoked}/transitions`, headers: { 'if-match': '"2"' }, payload: { action: 'reinstate', reason: 'x' } }), status: 409, code: 'invalid_status_transition', pointer: { in: 'body', pointer: '/action' } },
  { name: 'renewal without a new date', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'renew', reason: 'x' } }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/validUntil', code: 'required' } },
  { name: 'renewal that shortens validity', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'renew', reason: 'x', validUntil: '2029-01-01' } }), status: 400, code: 'invalid_validity', pointer: { in: 'body', pointer: '/validUntil', code: 'renewal_does_not_extend' } },
  { name: 'suspension with a date', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: 'x', validUntil: '2031-01-01' } }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/validUntil', code: 'not_allowed' } },
  { name: 'unknown action', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'expire', reason: 'x' } }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/action', code: 'enum' } },
  { name: 'transition without a reason', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend' } }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/reason', code: 'required' } },
  { name: 'transition reason with a NUL character', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: 'a\u0000b' } }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/reason', code: 'nul_character' } },
  { name: 'renewal to a year PostgreSQL cannot store', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'renew', reason: 'x', validUntil: '0000-01-01' } }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/validUntil', code: 'format_minimum' } },
  { name: 'a stale If-Match is answered before an impossible transition', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.revoked}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'reinstate', reason: 'x' } }), status: 412, code: 'precondition_failed', pointer: { in: 'header', pointer: '/if-match', code: 'stale' } },
  { name: 'transition with a stale If-Match', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '"9"' }, payload: { action: 'suspend', reason: 'x' } }), status: 412, code: 'precondition_failed', pointer: { in: 'header', pointer: '/if-match', code: 'stale' } },
  { name: 'transition with an unquoted If-Match', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, headers: { 'if-match': '1' }, payload: { action: 'suspend', reason: 'x' } }), status: 412, code: 'precondition_failed', pointer: { in: 'header', pointer: '/if-match', code: 'etag_not_quoted' } },
  { name: 'transition without If-Match', request: (ids) => ({ method: 'POST', url: `/v1/licences/${ids.licence}/transitions`, payload: { action: 'suspend', reason: 'x' } }), status: 428, code: 'precondition_required', pointer: { in: 'header', pointer: '/if-match', code: 'required' } },
  { name: 'transition of an unknown licence', request: () => ({ method: 'POST', url: '/v1/licences/01900000-0000-7000-8000-000000000000/transitions', headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: 'x' } }), status: 404, code: 'not_found' },
  { name: 'unknown licence', request: () => ({ url: '/v1/licences/01900000-0000-7000-8000-000000000000' }), status: 404, code: 'not_found' },
  { name: 'status filter that does not exist', request: () => ({ url: '/v1/licences?status=lapsed' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/status', code: 'enum' } },
  { name: 'sort by a field lists do not sort by', request: () => ({ url: '/v1/licences?sort=number' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/sort', code: 'enum' } },
  { name: 'import id that is not a uuid', request: () => ({ url: '/v1/licences?importId=last' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/importId' } },
  { name: 'negative expiry window', request: () => ({ url: '/v1/licences?expiringWithinDays=-1' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/expiringWithinDays', code: 'minimum' } },
  { name: 'unknown jurisdiction filter', request: () => ({ url: '/v1/licences?jurisdiction=999999' }), status: 422, code: 'unknown_jurisdiction', pointer: { in: 'query', pointer: '/jurisdiction' } },
  { name: 'enterprise filter not a uuid', request: () => ({ url: '/v1/licences?enterprise=42' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/enterprise', code: 'pattern' } },
  { name: 'ID number in the query string', request: () => ({ url: `/v1/licences?idNumber=${goodId}` }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/idNumber', code: 'unknown_field' } },
  { name: 'driver lookup with a bad ID number', request: () => ({ method: 'POST', url: '/v1/licences/driver-lookup', payload: { idNumber: '44010619850312001' } }), status: 400, code: 'invalid_resident_id', pointer: { in: 'body', pointer: '/idNumber', code: 'id_length' } },
  { name: 'driver lookup in an unknown jurisdiction', request: () => ({ method: 'POST', url: '/v1/licences/driver-lookup', payload: { idNumber: goodId, jurisdictionCode: '999999' } }), status: 422, code: 'unknown_jurisdiction', pointer: { in: 'body', pointer: '/jurisdictionCode' } },
  { name: 'verification with nothing to verify', request: () => ({ url: '/v1/public/licences/verify' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/number', code: 'required' } },
  { name: 'verification with a type but no number', request: () => ({ url: '/v1/public/licences/verify?type=driver_certificate' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/number', code: 'required' } },
  { name: 'verification by plate and number at once', request: () => ({ url: '/v1/public/licences/verify?plate=粤A12345&type=platform_permit&number=1' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/plate', code: 'not_allowed' } },
  { name: 'verification of a plate that cannot exist', request: () => ({ url: `/v1/public/licences/verify?plate=${encodeURIComponent('粤A1234')}` }), status: 400, code: 'invalid_plate', pointer: { in: 'query', pointer: '/plate', code: 'plate_length' } },
  { name: 'list filtered by a plate with the letter O', request: () => ({ url: `/v1/licences?plate=${encodeURIComponent('粤AO1234')}` }), status: 400, code: 'invalid_plate', pointer: { in: 'query', pointer: '/plate', code: 'plate_character' } },
  { name: 'verification by an ID number in the URL', request: () => ({ url: `/v1/public/licences/verify?type=driver_certificate&number=${goodId}` }), status: 400, code: 'personal_data_in_url', pointer: { in: 'query', pointer: '/number', code: 'personal_data_in_url' } },
  { name: 'verification in a body with nothing to verify', request: () => ({ method: 'POST', url: '/v1/public/licences/verify', payload: {} }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/number', code: 'required' } },
  { name: 'verification in a body of a plate that cannot exist', request: () => ({ method: 'POST', url: '/v1/public/licences/verify', payload: { plate: '粤A1234' } }), status: 400, code: 'invalid_plate', pointer: { in: 'body', pointer: '/plate', code: 'plate_length' } },
  { name: 'verification in a body with an unknown field', request: () => ({ method: 'POST', url: '/v1/public/licences/verify', payload: { plate: '粤A12345', idNumber: goodId } }), status: 400, code: 'validation_failed', pointer: { in: 'body', pointer: '/idNumber', code: 'unknown_field' } },
  { name: 'verification of a number with a NUL character', request: () => ({ url: '/v1/public/licences/verify?type=platform_permit&number=A%00B' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/number', code: 'number_format' } },
  { name: 'verification of an unknown type', request: () => ({ url: '/v1/public/licences/verify?type=taxi&number=1' }), status: 400, code: 'validation_failed', pointer: { in: 'query', pointer: '/type', code: 'enum' } },
  { name: 'import as JSON', request: () => ({ method: 'POST', url: '/v1/licence-imports', payload: { lines: [] } }), status: 415, code: 'unsupported_media_type', pointer: { in: 'header', pointer: '/content-type', code: 'unsupported_media_type' } },
  { name: 'import of NDJSON lines labelled as JSON', request: () => ({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/json' }, payload: '{"a":1}\n{"b":2}\n' }), status: 415, code: 'unsupported_media_type', pointer: { in: 'header', pointer: '/content-type' } },
  { name: 'import as plain text', request: () => ({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'text/plain' }, payload: '{"a":1}\n' }), status: 415, code: 'unsupported_media_type', pointer: { in: 'header', pointer: '/content-type' } },
  { name: 'import errors of an unknown import', request: () => ({ url: '/v1/licence-imports/01900000-0000-7000-8000-000000000000/errors' }), status: 404, code: 'not_found' },
  { name: 'import list cursor from the licence list', request: () => ({ url: '/v1/licence-imports?cursor=eyJsIjoibGljZW5jZXMifQ.AAAAAAAAAAAAAAAAAAAAAA' }), status: 400, code: 'invalid_cursor', pointer: { in: 'query', pointer: '/cursor' } }
]

t.test('bad licence input gets a clear problem and writes nothing; in an import, the same per line while valid lines land', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou: gz, xiamen, anonymous } = await actors(app)
  const enterprise = await registerEnterprise(gz, { sectors: ['car_share', 'ride_hailing'] })
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }
  const licence = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  const revoked = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  await gz.inject({ method: 'POST', url: `/v1/licences/${revoked.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'revoke', reason: 'x' } })
  const taken = await issueLicence(gz, licenceInput('platform_permit', base))
  const ids: Ids = {
    agency: gz.agency.id,
    enterprise: enterprise.id,
    marketAgency: (await createAgency(admin, { kind: 'market_regulation', jurisdictionCode: '440100' })).id,
    xiamenAgency: xiamen.agency.id,
    licence: licence.id,
    revoked: revoked.id,
    taken: taken.number
  }
  const lineOf = (c: Case) => JSON.stringify(licenceInput(c.licence![0], base, c.licence![1](ids)))

  for (const c of cases) {
    t.test(c.name, async (t) => {
      const before = await tableCounts(app)
      const request = c.licence ? { method: 'POST' as const, url: '/v1/licences', payload: JSON.parse(lineOf(c)) } : c.request!(ids)
      const who = request.url.startsWith('/v1/public') ? anonymous : gz
      const res = await who.inject(request)
      t.equal(res.statusCode, c.status, `${c.name}: ${res.statusCode === c.status ? 'status' : res.body}`)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      const problem = res.json()
      t.equal(problem.code, c.code)
      if (c.pointer) t.match(problem.errors, [c.pointer])
      t.same(await tableCounts(app), before, 'nothing written')
    })
  }

  t.test('the same bad licences as import lines: each reported with its line, code and pointer; the valid lines land', async (t) => {
    const bad = cases.filter((c) => c.licence)
    // Valid lines at the start, between the bad ones and at the end; one valid line is repeated.
    const valid = [licenceInput('vehicle_certificate', base), licenceInput('driver_certificate', base), licenceInput('car_share_filing', base)]
    const lines = [JSON.stringify(valid[0]), ...bad.map(lineOf), JSON.stringify(valid[1]), '', '{"type": ', JSON.stringify(valid[2]), JSON.stringify(valid[2])]
    const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson' }, payload: lines.join('\n') + '\n' })
    t.equal(res.statusCode, 201, res.body)
    const report = res.json()
    t.match(report, { status: 'completed', lines: lines.length - 1, applied: 3, rejected: bad.length + 2 })
    const byLine = new Map<number, { code: string, errors: Array<{ pointer: string, code: string }> }>(report.errors.map((e: { line: number }) => [e.line, e]))
    bad.forEach((c, i) => {
      const entry = byLine.get(i + 2)
      t.equal(entry?.code, c.code, `line ${i + 2}: ${c.name}`)
      if (c.pointer) t.match(entry?.errors, [{ pointer: c.pointer.pointer, ...(c.pointer.code ? { code: c.pointer.code } : {}) }])
    })
    t.match(byLine.get(bad.length + 4), { code: 'malformed_json', errors: [{ pointer: '' }] })
    t.match(byLine.get(bad.length + 6), { code: 'licence_number_taken', errors: [{ pointer: '/number', message: new RegExp(`line ${bad.length + 5} of this import`) }] })
    for (const input of valid) {
      const found = await gz.inject({ url: `/v1/licences?type=${input.type}&enterprise=${enterprise.id}&limit=200` })
      t.ok(found.json().items.some((l: { number: string, importId: string }) => l.number === input.number && l.importId === report.id), `${input.type} landed`)
    }
  })
})
