import t from 'tap'
import { testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'
import { registerEnterprise } from './helpers/fixtures.js'
import { sampleResidentId, sampleVin, samplePlate } from '../src/seed/licence-samples.js'

t.test('smoke', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz, anonymous } = await actors(app)
  const ent = await registerEnterprise(gz)
  const base = { jurisdictionCode: '440100', issuingAgencyId: gz.agency.id, enterpriseId: ent.id, validFrom: '2025-01-01', validUntil: '2030-12-31' }
  const v = await gz.inject({ method: 'POST', url: '/v1/licences', payload: { ...base, type: 'vehicle_certificate', number: 'V1', plate: samplePlate('粤A', 1), plateColour: 'blue', vin: sampleVin(1) } })
  console.log(v.statusCode, v.body)
  const d = await gz.inject({ method: 'POST', url: '/v1/licences', payload: { ...base, type: 'driver_certificate', number: 'D1', idNumber: sampleResidentId('440106', '19850312', 1) } })
  console.log(d.statusCode, d.body)
  const lines = [
    JSON.stringify({ ...base, type: 'vehicle_certificate', number: 'V2', plate: samplePlate('粤A', 2), plateColour: 'blue', vin: sampleVin(2) }),
    '{bad',
    JSON.stringify({ ...base, type: 'vehicle_certificate', number: 'V1', plate: samplePlate('粤A', 3), plateColour: 'blue', vin: sampleVin(3) }),
    JSON.stringify({ ...base, type: 'vehicle_certificate', number: 'V3', plate: '粤AI2345', plateColour: 'blue', vin: sampleVin(3) })
  ].join('\n')
  const imp = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'k1' }, payload: lines })
  console.log(imp.statusCode, imp.body)
  const imp2 = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'k1' }, payload: lines })
  console.log(imp2.statusCode, imp2.headers['idempotent-replayed'], imp2.body.slice(0, 200))
  const list = await gz.inject({ url: '/v1/licences?status=active&type=vehicle_certificate' })
  console.log(list.statusCode, list.body.slice(0, 300))
  const ver = await anonymous.inject({ url: '/v1/public/licences/verify?plate=' + encodeURIComponent(samplePlate('粤A', 2)) })
  console.log(ver.statusCode, ver.body)
  const tr = await gz.inject({ method: 'POST', url: `/v1/licences/${v.json().id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: 'test' } })
  console.log(tr.statusCode, tr.body)
  const lk = await gz.inject({ method: 'POST', url: '/v1/licences/driver-lookup', payload: { idNumber: sampleResidentId('440106', '19850312', 1) } })
  console.log(lk.statusCode, lk.body.slice(0, 300))
})
