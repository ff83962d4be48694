import t from 'tap'
import { sql } from 'drizzle-orm'
import { testApp } from './helpers/app.js'
import { actors, platformFor } from './helpers/actors.js'
import { createAgency, registerEnterprise } from './helpers/fixtures.js'
import { maskPersonalData } from '../src/modules/audit/trail.js'

t.test('the audit trail', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou, xiamen } = await actors(app)
  const eventsOf = async (entityId: string) => (await admin.inject({ url: `/v1/audit?entityId=${entityId}&limit=200` })).json().items

  t.test('each kind of change writes exactly one event with its actor, request and diff', async (t) => {
    const created = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'x-request-id': 'req-register-1' }, payload: { uscc: '91440106MA59ABCD1M', nameZh: '审计测试公司', sectors: ['ride_hailing'], jurisdictionCodes: ['440106'] } })
    const id = created.json().id
    let events = await eventsOf(id)
    t.equal(events.length, 1)
    t.match(events[0], {
      action: 'enterprise.registered',
      entityType: 'enterprise',
      entityId: id,
      enterpriseId: id,
      jurisdictionCodes: ['440106'],
      requestId: 'req-register-1',
      actor: { role: 'regulator', keyId: guangzhou.keyId, agencyId: guangzhou.agency.id, enterpriseId: null },
      before: null,
      after: { uscc: '91440106MA59ABCD1M', nameZh: '审计测试公司', status: 'active', version: 1 }
    })

    await guangzhou.inject({ method: 'PATCH', url: `/v1/enterprises/${id}`, headers: { 'if-match': '"1"' }, payload: { nameZh: '审计测试公司（更名）' } })
    events = await eventsOf(id)
    t.equal(events.length, 2)
    t.match(events[1], { action: 'enterprise.updated', before: { nameZh: '审计测试公司', version: 1 }, after: { nameZh: '审计测试公司（更名）', version: 2 } })

    await guangzhou.inject({ method: 'POST', url: `/v1/enterprises/${id}/status-changes`, headers: { 'if-match': '"2"' }, payload: { status: 'suspended', reason: '责令整改' } })
    events = await eventsOf(id)
    t.equal(events.length, 3)
    t.match(events[2], { action: 'enterprise.status_changed', before: { status: 'active' }, after: { status: 'suspended', reason: '责令整改' } })

    const agency = await createAgency(admin, { nameZh: '审计测试局' })
    await admin.inject({ method: 'PATCH', url: `/v1/agencies/${agency.id}`, headers: { 'if-match': '"1"' }, payload: { kind: 'market_regulation' } })
    const agencyEvents = await eventsOf(agency.id)
    t.same(agencyEvents.map((e: { action: string }) => e.action), ['agency.created', 'agency.updated'])
    t.match(agencyEvents[1], { actor: { role: 'admin', keyId: admin.keyId }, before: { kind: 'transport' }, after: { kind: 'market_regulation' } })

    const key = (await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'admin', label: 'audited' } })).json()
    await admin.inject({ method: 'POST', url: `/v1/api-keys/${key.id}/revocation` })
    const keyEvents = await eventsOf(key.id)
    t.same(keyEvents.map((e: { action: string }) => e.action), ['api_key.issued', 'api_key.revoked'])
    t.notMatch(JSON.stringify(keyEvents), key.key.slice(17), 'no secret in the trail')

    const refused = await guangzhou.inject({ method: 'PATCH', url: `/v1/enterprises/${id}`, headers: { 'if-match': '"1"' }, payload: { nameZh: 'stale' } })
    t.equal(refused.statusCode, 412)
    t.equal((await eventsOf(id)).length, 3, 'a refused change writes no event')
  })

  t.test('a regulator sees its own jurisdiction’s trail only; filters narrow it', async (t) => {
    const xm = await registerEnterprise(xiamen, { jurisdictionCodes: ['350203'] })
    const seen = (await xiamen.inject({ url: '/v1/audit?limit=200' })).json().items
    t.ok(seen.length > 0)
    t.ok(seen.every((e: { jurisdictionCodes: string[] }) => e.jurisdictionCodes.some((c) => c.startsWith('3502'))))
    const byActor = (await admin.inject({ url: `/v1/audit?actorKeyId=${xiamen.keyId}` })).json().items
    t.same(byActor.map((e: { entityId: string }) => e.entityId), [xm.id])
    const byType = (await admin.inject({ url: '/v1/audit?entityType=agency&limit=200' })).json().items
    t.ok(byType.length > 0 && byType.every((e: { entityType: string }) => e.entityType === 'agency'))
    const future = (await admin.inject({ url: `/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}` })).json().items
    t.same(future, [])
    const past = (await admin.inject({ url: `/v1/audit?to=${encodeURIComponent('2020-01-01T00:00:00Z')}` })).json().items
    t.same(past, [])
    const platform = await platformFor(app, xm.id)
    t.equal((await platform.inject({ url: '/v1/audit' })).statusCode, 403)
  })

  t.test('pages of the trail follow each other, and instants follow seq', async (t) => {
    const events = (await admin.inject({ url: '/v1/audit?limit=200' })).json().items as Array<{ seq: number, occurredAt: string }>
    t.ok(events.every((e, i) => i === 0 || e.occurredAt >= events[i - 1]!.occurredAt), 'an event never has an earlier instant than the one before it')
    const all = events.map((e) => e.seq)
    const first = (await admin.inject({ url: '/v1/audit?limit=3' })).json()
    const second = (await admin.inject({ url: `/v1/audit?limit=3&cursor=${first.nextCursor}` })).json()
    t.same([...first.items, ...second.items].map((e: { seq: number }) => e.seq), all.slice(0, 6))
    const newest = (await admin.inject({ url: '/v1/audit?order=newest&limit=3' })).json()
    const older = (await admin.inject({ url: `/v1/audit?order=newest&limit=3&cursor=${newest.nextCursor}` })).json()
    t.same([...newest.items, ...older.items].map((e: { seq: number }) => e.seq), [...all].reverse().slice(0, 6), 'newest first, paging backwards')
  })

  t.test('the database refuses to change or remove an event', async (t) => {
    await t.rejects(app.db.execute(sql`update audit_events set action = 'forged' where seq = 1`), { cause: { message: /append-only/ } })
    await t.rejects(app.db.execute(sql`delete from audit_events where seq = 1`), { cause: { message: /append-only/ } })
    await t.rejects(app.db.execute(sql`truncate audit_events`), { cause: { message: /append-only/ } })
  })

  t.test('verification passes, then reports the first link broken by a change made in SQL', async (t) => {
    t.equal((await guangzhou.inject({ url: '/v1/audit/verify' })).statusCode, 403, 'the whole chain is for admins')
    const intact = await admin.inject({ url: '/v1/audit/verify' })
    t.equal(intact.statusCode, 200)
    const verdict = intact.json()
    t.match(verdict, { valid: true, firstBroken: null })
    t.ok(verdict.checked >= 10)
    t.equal(verdict.lastSeq, verdict.checked)

    // Someone with database access turns the trigger off and edits history.
    await app.db.execute(sql`alter table audit_events disable trigger audit_events_no_update_or_delete`)
    await app.db.execute(sql`update audit_events set after = jsonb_set(after, '{nameZh}', '"篡改"') where seq = 5`)
    const tampered = (await admin.inject({ url: '/v1/audit/verify' })).json()
    t.same(tampered.firstBroken, { seq: 5, reason: 'hash_mismatch' })
    t.equal(tampered.valid, false)

    // Recomputing that hash does not help: the next link no longer points at it.
    await app.db.execute(sql`update audit_events set hash = repeat('a', 64) where seq = 5`)
    t.same((await admin.inject({ url: '/v1/audit/verify' })).json().firstBroken, { seq: 5, reason: 'hash_mismatch' })

    await app.db.execute(sql`alter table audit_events enable trigger audit_events_no_update_or_delete`)
  })
})

t.test('removing an event is reported as a gap', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou } = await actors(app)
  await registerEnterprise(guangzhou)
  await app.db.execute(sql`alter table audit_events disable trigger audit_events_no_update_or_delete`)
  await app.db.execute(sql`delete from audit_events where seq = 3`)
  t.same((await admin.inject({ url: '/v1/audit/verify' })).json().firstBroken, { seq: 3, reason: 'missing_seq' })
})

t.test('personal data is masked wherever it appears in a diff', async (t) => {
  t.same(maskPersonalData({ idNumber: '440106199001011234', phone: '13812345678', nested: [{ driverName: '张三丰' }], nameZh: '公司' }), {
    idNumber: '4401**********1234',
    phone: '1381***5678',
    nested: [{ driverName: '张*丰' }],
    nameZh: '公司'
  })
  t.equal(maskPersonalData(null), null)
})
