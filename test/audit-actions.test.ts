import t from 'tap'
import { readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsImport from 'ajv-formats'
import { openapiPath } from '../src/cli/openapi.js'
import { rowsOf } from '../src/db/client.js'
import { systemPrincipal } from '../src/auth/principal.js'
import { auditActions, type AuditAction } from '../src/modules/audit/actions.js'
import { audited } from '../src/modules/audit/trail.js'
import { testApp } from './helpers/app.js'
import { actors, platformFor } from './helpers/actors.js'
import { createAgency, issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020
const document = JSON.parse(readFileSync(openapiPath, 'utf8'))
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }))
ajv.addSchema({ ...document, $id: 'openapi' })
const auditEvent = ajv.getSchema('openapi#/components/schemas/AuditEvent')!

interface Event { seq: number, action: string, entityType: string, entityId: string, before: unknown, after: unknown }

t.test('the trail’s actions, entity types and before/after are the ones the document lists', async (t) => {
  const app = await testApp(t, { DEMO_DATA: true })
  const { admin, guangzhou: gz } = await actors(app)

  // One change of every kind a request can make.
  const enterprise = await registerEnterprise(gz, { sectors: ['ride_hailing'] })
  await gz.inject({ method: 'PATCH', url: `/v1/enterprises/${enterprise.id}`, headers: { 'if-match': '"1"' }, payload: { nameZh: '审计名称测试有限公司' } })
  await gz.inject({ method: 'POST', url: `/v1/enterprises/${enterprise.id}/status-changes`, headers: { 'if-match': '"2"' }, payload: { status: 'suspended', reason: '责令整改' } })
  const agency = await createAgency(admin, { nameZh: '审计名称测试局' })
  await admin.inject({ method: 'PATCH', url: `/v1/agencies/${agency.id}`, headers: { 'if-match': '"1"' }, payload: { nameEn: 'Audit Naming Bureau' } })
  const key = (await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'admin', label: 'named' } })).json()
  await admin.inject({ method: 'POST', url: `/v1/api-keys/${key.id}/revocation` })
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }
  const licence = await issueLicence(gz, licenceInput('vehicle_certificate', base))
  let version = 1
  for (const payload of [{ action: 'suspend', reason: '年检逾期' }, { action: 'reinstate', reason: '已年检' }, { action: 'renew', reason: '换证', validUntil: '2034-12-31' }, { action: 'revoke', reason: '注销' }]) {
    const res = await gz.inject({ method: 'POST', url: `/v1/licences/${licence.id}/transitions`, headers: { 'if-match': `"${version++}"` }, payload })
    t.equal(res.statusCode, 201, res.body)
  }
  const imported = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(licenceInput('driver_certificate', base)) + '\n' })
  t.equal(imported.statusCode, 201, imported.body)
  const platform = await platformFor(app, enterprise.id)
  const rostered = await platform.inject({ method: 'POST', url: '/v1/roster-imports', headers: { 'content-type': 'application/x-ndjson' }, payload: JSON.stringify({ entry: 'vehicle', flag: 'add', jurisdictionCode: '440100', plate: licence.plate, plateColour: 'blue', vin: licence.vin, certificateNumber: licence.number, serviceFrom: '2025-01-01' }) + '\n' })
  t.equal(rostered.statusCode, 201, rostered.body)
  const ordered = await platform.inject({ method: 'POST', url: '/v1/order-imports', headers: { 'content-type': 'application/x-ndjson' }, payload: JSON.stringify({ orderId: 'audit-1', jurisdictionCode: '440106', matchedAt: '2025-03-05T10:00:00+08:00', driverIdNumber: '11010519491231002X', plate: licence.plate }) + '\n' })
  t.equal(ordered.statusCode, 201, ordered.body)
  const complained = await platform.inject({ method: 'POST', url: '/v1/complaint-imports', headers: { 'content-type': 'application/x-ndjson' }, payload: JSON.stringify({ orderId: 'audit-1', complainedAt: '2025-03-05T12:00:00+08:00' }) + '\n' })
  t.equal(complained.statusCode, 201, complained.body)

  const events: Event[] = []
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const res = await admin.inject({ url: `/v1/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}` })
    t.equal(res.statusCode, 200)
    events.push(...res.json().items)
    cursor = res.json().nextCursor
  }
  t.same([...new Set(events.map((e) => e.action))].sort(), [...auditActions].sort(), 'every action is written, and none other')
  for (const event of events) {
    if (!auditEvent(event)) t.fail(`${event.action} #${event.seq} does not match AuditEvent: ${ajv.errorsText(auditEvent.errors)}`)
  }
  t.pass(`${events.length} events match the AuditEvent schema`)
  t.match(events.find((e) => e.action === 'licence.suspended' && e.entityId === licence.id), { entityType: 'licence', before: { status: 'active', version: 1 }, after: { status: 'suspended', version: 2 } })

  const changes = (await admin.inject({ url: '/v1/events?limit=1000' })).json().items as Event[]
  t.ok(changes.length > 0)
  const enumerated = document.components.schemas.AuditEvent.properties
  t.ok(changes.every((c) => enumerated.action.enum.includes(c.action) && enumerated.entityType.enum.includes(c.entityType)), 'the change feed uses the same names')
})

t.test('events stored under 0.1.0’s names are shown under today’s, and the chain still verifies', async (t) => {
  const app = await testApp(t)
  const { admin } = await actors(app)
  const licenceId = '01900000-0000-7000-8000-00000000a001'
  const importId = '01900000-0000-7000-8000-00000000a002'
  // As 0.1.0 wrote them; the writers' type no longer allows these names.
  await audited(app.db, systemPrincipal('0.1.0'), 'legacy', async (_tx, audit) => {
    audit({ action: 'licence.suspend' as AuditAction, entityType: 'licence', entityId: licenceId, jurisdictionCodes: ['440100'], before: { status: 'active', validUntil: '2030-12-31', version: 1 }, after: { status: 'suspended', validUntil: '2030-12-31', version: 2, reason: 'x' } })
    audit({ action: 'licence.imported' as AuditAction, entityType: 'licence_import', entityId: importId, jurisdictionCodes: ['440100'], before: null, after: { firstLine: 1, lastLine: 2, applied: 2, rejected: 0 } })
  })
  const stored = rowsOf<{ action: string }>(await app.db.execute(sql`select action from audit_events where entity_id in (${licenceId}, ${importId}) order by seq`))
  t.same(stored.map((r) => r.action), ['licence.suspend', 'licence.imported'], 'the stored names are left as they were hashed')

  const shown = (await admin.inject({ url: `/v1/audit?entityId=${licenceId}` })).json().items
  t.match(shown, [{ action: 'licence.suspended', entityType: 'licence' }])
  t.ok(auditEvent(shown[0]), 'and match the document')
  const feed = (await admin.inject({ url: '/v1/events?limit=1000' })).json().items as Event[]
  t.match(feed.filter((c) => [licenceId, importId].includes(c.entityId)).map((c) => c.action), ['licence.suspended', 'licence_import.batch_committed'])
  t.match((await admin.inject({ url: '/v1/audit/verify' })).json(), { valid: true, firstBroken: null })
})
