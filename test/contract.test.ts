import t from 'tap'
import { ipcLimits } from '../src/modules/ipc/routes.js'
import { contract, contractViolations, testApp } from './helpers/app.js'
import { actors, platformFor } from './helpers/actors.js'
import { enterpriseInput, issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'
import type { Client } from './helpers/actors.js'

// The document and the server agree: every operation is driven through its success and the
// failures that follow from its features, and every answer is checked against the committed
// openapi.json (test/helpers/contract.ts; testApp checks every answer of every test file the same way).

const missing = '01900000-0000-7000-8000-000000000000'

t.test('every operation answers as the OpenAPI document says', async (t) => {
  const app = await testApp(t, { BODY_LIMIT_BYTES: 4096, RATE_LIMIT_ANONYMOUS_PER_MINUTE: 30 })
  // Anonymous callers are limited per address: each anonymous request here comes from an address of its own.
  let address = 0
  const fromAnywhere = (key?: string): Client => ({ key, inject: (o) => app.inject({ ...o, remoteAddress: `198.51.${Math.floor(++address / 250) % 250}.${address % 250}`, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...o.headers } }) })
  const validator = contract()
  const { admin, guangzhou, xiamen } = await actors(app)
  const anonymous = fromAnywhere()
  const enterprise = await registerEnterprise(guangzhou)
  const platform = await platformFor(app, enterprise.id)
  const agencyId = guangzhou.agency.id
  const vehicle = await issueLicence(guangzhou, licenceInput('vehicle_certificate', { issuingAgencyId: agencyId, enterpriseId: enterprise.id }))
  const imported = await guangzhou.inject({
    method: 'POST',
    url: '/v1/licence-imports',
    headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-1' },
    payload: JSON.stringify(licenceInput('driver_certificate', { issuingAgencyId: agencyId, enterpriseId: enterprise.id })) + '\n{"type":"bad"}\n'
  })
  t.equal(imported.statusCode, 201, imported.body)
  const rostered = await platform.inject({
    method: 'POST',
    url: '/v1/roster-imports',
    headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-roster-1' },
    payload: [
      { entry: 'vehicle', flag: 'add', jurisdictionCode: '440100', plate: vehicle.plate, plateColour: 'blue', vin: vehicle.vin, certificateNumber: vehicle.number, serviceFrom: '2025-01-01' },
      { entry: 'driver', flag: 'add', jurisdictionCode: '440100', idNumber: '11010519491231002X', certificateNumber: 'D-1', serviceFrom: '2025-01-01' },
      { entry: 'vehicle', flag: 'delete', jurisdictionCode: '440100', plate: '粤A00000' }
    ].map((l) => JSON.stringify(l)).join('\n')
  })
  t.equal(rostered.statusCode, 201, rostered.body)
  const ordered = await platform.inject({
    method: 'POST',
    url: '/v1/order-imports',
    headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-orders-1' },
    payload: JSON.stringify({ orderId: 'contract-1', jurisdictionCode: '440106', matchedAt: '2025-03-05T10:00:00+08:00', driverIdNumber: '11010519491231002X', plate: vehicle.plate }) + '\n{"orderId":"contract-2"}\n'
  })
  t.equal(ordered.statusCode, 201, ordered.body)
  const complained = await platform.inject({
    method: 'POST',
    url: '/v1/complaint-imports',
    headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-complaints-1' },
    payload: JSON.stringify({ orderId: 'contract-1', complainedAt: '2025-03-05T12:00:00+08:00' }) + '\n{"orderId":"contract-9","complainedAt":"2025-03-05T12:00:00+08:00"}\n'
  })
  t.equal(complained.statusCode, 201, complained.body)
  const rosterVehicle = (await platform.inject({ url: '/v1/roster/vehicles' })).json().items[0].id as string
  const rosterDriver = (await platform.inject({ url: '/v1/roster/drivers' })).json().items[0].id as string
  const spare = await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'platform', enterpriseId: enterprise.id, label: '待吊销' } })
  const signed = await admin.inject({ method: 'POST', url: '/v1/audit/checkpoints' })
  t.equal(signed.statusCode, 201, signed.body)
  const { seq, hash, at, keyId, signature } = signed.json()
  const ids: Record<string, string> = {
    '/v1/agencies/{id}': agencyId,
    '/v1/enterprises/{id}': enterprise.id,
    '/v1/licences/{id}': vehicle.id,
    '/v1/licence-imports/{id}': imported.json().id,
    '/v1/roster-imports/{id}': rostered.json().id,
    '/v1/order-imports/{id}': ordered.json().id,
    '/v1/complaint-imports/{id}': complained.json().id,
    '/v1/roster/vehicles/{id}': rosterVehicle,
    '/v1/roster/drivers/{id}': rosterDriver,
    '/v1/api-keys/{id}': spare.json().id,
    '/v1/public/jurisdictions/{code}': '440100'
  }
  const pathOf = (path: string, value?: string) => path.replace(/\{(id|code)\}/, () => value ?? ids[Object.keys(ids).find((p) => path.startsWith(p))!]!)

  // The successes, one real request per operation.
  const wrongKey = fromAnywhere('poa_000000000000_notakeynotakeynotakeynotakeynotakeynot')
  const byRole: Record<string, Client> = { admin, regulator: guangzhou, platform, public: anonymous }
  const success: Record<string, { caller?: Client, method?: string, url: string, payload?: unknown, headers?: Record<string, string> }> = {
    liveness: { url: '/healthz' },
    readiness: { url: '/readyz' },
    listJurisdictions: { url: '/v1/public/jurisdictions?parent=440100' },
    getJurisdiction: { url: '/v1/public/jurisdictions/440100' },
    createAgency: { caller: admin, method: 'POST', url: '/v1/agencies', payload: { nameZh: '广州市市场监督管理局', kind: 'market_regulation', jurisdictionCode: '440100' } },
    listAgencies: { url: '/v1/agencies?jurisdiction=440100' },
    getAgency: { url: `/v1/agencies/${agencyId}` },
    updateAgency: { caller: admin, method: 'PATCH', url: `/v1/agencies/${agencyId}`, headers: { 'if-match': '"1"', 'content-type': 'application/merge-patch+json' }, payload: { nameEn: 'Guangzhou Transport Bureau' } },
    registerEnterprise: { method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'contract-enterprise' }, payload: enterpriseInput() },
    listEnterprises: { url: '/v1/enterprises?sector=ride_hailing' },
    getEnterprise: { url: `/v1/enterprises/${enterprise.id}` },
    updateEnterprise: { method: 'PATCH', url: `/v1/enterprises/${enterprise.id}`, headers: { 'if-match': '"1"', 'content-type': 'application/merge-patch+json' }, payload: { nameEn: 'Guangzhou Contract Mobility' } },
    changeEnterpriseStatus: { method: 'POST', url: `/v1/enterprises/${enterprise.id}/status-changes`, headers: { 'if-match': '"2"' }, payload: { status: 'suspended', reason: '整改期间暂停' } },
    listEnterpriseStatusChanges: { url: `/v1/enterprises/${enterprise.id}/status-changes` },
    issueApiKey: { caller: admin, method: 'POST', url: '/v1/api-keys', payload: { role: 'platform', enterpriseId: enterprise.id, label: '对接测试' } },
    listApiKeys: { caller: admin, url: '/v1/api-keys' },
    getApiKey: { caller: admin, url: `/v1/api-keys/${ids['/v1/api-keys/{id}']}` },
    revokeApiKey: { caller: admin, method: 'POST', url: `/v1/api-keys/${ids['/v1/api-keys/{id}']}/revocation` },
    listAuditEvents: { url: '/v1/audit?order=newest&limit=5' },
    verifyAuditTrail: { caller: admin, url: '/v1/audit/verify' },
    verifyAuditTrailAgainstCheckpoint: { caller: admin, method: 'POST', url: '/v1/audit/verify', payload: { seq, hash, at, keyId, signature } },
    signAuditCheckpoint: { caller: admin, method: 'POST', url: '/v1/audit/checkpoints' },
    listAuditCheckpoints: { caller: anonymous, url: '/v1/public/audit/checkpoints?limit=2' },
    listChanges: { url: '/v1/events?limit=5' },
    issueLicence: { method: 'POST', url: '/v1/licences', payload: licenceInput('platform_permit', { issuingAgencyId: agencyId, enterpriseId: enterprise.id }) },
    listLicences: { url: '/v1/licences?type=vehicle_certificate' },
    findDriverCertificates: { method: 'POST', url: '/v1/licences/driver-lookup', payload: { idNumber: '11010519491231002X' } },
    getLicence: { url: `/v1/licences/${vehicle.id}` },
    transitionLicence: { method: 'POST', url: `/v1/licences/${vehicle.id}/transitions`, headers: { 'if-match': '"1"' }, payload: { action: 'suspend', reason: '车辆年检逾期' } },
    listLicenceTransitions: { url: `/v1/licences/${vehicle.id}/transitions` },
    importLicences: { method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-2' }, payload: JSON.stringify(licenceInput('driver_certificate', { issuingAgencyId: agencyId, enterpriseId: enterprise.id })) },
    listLicenceImports: { url: '/v1/licence-imports' },
    getLicenceImport: { url: `/v1/licence-imports/${ids['/v1/licence-imports/{id}']}` },
    listLicenceImportErrors: { url: `/v1/licence-imports/${ids['/v1/licence-imports/{id}']}/errors` },
    importRoster: { caller: platform, method: 'POST', url: '/v1/roster-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-roster-2' }, payload: JSON.stringify({ entry: 'vehicle', flag: 'update', jurisdictionCode: '440100', plate: vehicle.plate, serviceUntil: '2030-12-31' }) },
    listRosterImports: { caller: platform, url: '/v1/roster-imports' },
    getRosterImport: { caller: platform, url: `/v1/roster-imports/${ids['/v1/roster-imports/{id}']}` },
    listRosterImportErrors: { caller: platform, url: `/v1/roster-imports/${ids['/v1/roster-imports/{id}']}/errors` },
    listRosterVehicles: { url: '/v1/roster/vehicles?verdict=unlicensed&jurisdiction=440106' },
    getRosterVehicle: { url: `/v1/roster/vehicles/${rosterVehicle}` },
    listRosterVehicleChanges: { url: `/v1/roster/vehicles/${rosterVehicle}/changes` },
    listRosterDrivers: { caller: platform, url: '/v1/roster/drivers?verdict=not_found' },
    getRosterDriver: { caller: platform, url: `/v1/roster/drivers/${rosterDriver}` },
    listRosterDriverChanges: { url: `/v1/roster/drivers/${rosterDriver}/changes` },
    importOrders: { caller: platform, method: 'POST', url: '/v1/order-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-orders-2' }, payload: JSON.stringify({ orderId: 'contract-1', jurisdictionCode: '440106', matchedAt: '2025-03-05T10:00:00+08:00', driverIdNumber: '11010519491231002X', plate: vehicle.plate, fareFen: 2500 }) },
    listOrderImports: { caller: platform, url: '/v1/order-imports' },
    getOrderImport: { caller: platform, url: `/v1/order-imports/${ids['/v1/order-imports/{id}']}` },
    listOrderImportErrors: { caller: platform, url: `/v1/order-imports/${ids['/v1/order-imports/{id}']}/errors` },
    importComplaints: { caller: platform, method: 'POST', url: '/v1/complaint-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'contract-complaints-2' }, payload: JSON.stringify({ orderId: 'contract-1', complainedAt: '2025-03-05T12:00:00+08:00', resolved: true }) },
    listComplaintImports: { caller: platform, url: '/v1/complaint-imports' },
    getComplaintImport: { caller: platform, url: `/v1/complaint-imports/${ids['/v1/complaint-imports/{id}']}` },
    listComplaintImportErrors: { caller: platform, url: `/v1/complaint-imports/${ids['/v1/complaint-imports/{id}']}/errors` },
    receiveIpcEnvelope: { caller: platform, method: 'POST', url: '/v1/ipc', headers: { 'idempotency-key': 'contract-ipc-1' }, payload: { CompanyId: enterprise.uscc, IPCType: 'orderMatch', orderMatch: [{ CompanyId: enterprise.uscc, Address: 440106, OrderId: 'contract-ipc-1', LicenseId: '11010519491231002X', VehicleNo: vehicle.plate, DistributeTime: 20250305110000 }] } },
    listOrders: { url: '/v1/orders?jurisdiction=440100&month=2025-03&verdict=failing' },
    getOrderCompliance: { url: '/v1/compliance/orders?jurisdiction=440100&month=2025-03' },
    getOrderComplianceRanking: { caller: platform, url: '/v1/compliance/orders/ranking?jurisdiction=440100&month=2025-03' },
    getOrderDataQuality: { url: '/v1/compliance/orders/quality?jurisdiction=440100&month=2025-03' },
    getPublishedComplianceRanking: { caller: anonymous, url: '/v1/public/compliance/ranking?jurisdiction=440100&month=2025-03' },
    verifyLicence: { caller: anonymous, url: `/v1/public/licences/verify?plate=${encodeURIComponent(vehicle.plate as string)}` },
    verifyLicenceInBody: { caller: anonymous, method: 'POST', url: '/v1/public/licences/verify', payload: { plate: vehicle.plate } }
  }

  const operations = Object.entries(validator.document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as unknown as { operationId: string, 'x-roles'?: string[], requestBody?: unknown, parameters?: Array<{ in: string, name: string, required?: boolean }>, responses: Record<string, unknown> } })))

  t.test('each operation succeeds as documented', async (t) => {
    for (const { op } of operations) {
      const s = success[op.operationId]
      if (!s) { t.fail(`${op.operationId} has a success scenario here`); continue }
      const res = await (s.caller ?? guangzhou).inject({ method: (s.method ?? 'GET') as 'GET', url: s.url, headers: s.headers, payload: s.payload as object })
      t.ok(res.statusCode < 300 && res.statusCode >= 200, `${op.operationId}: ${res.statusCode} ${res.statusCode >= 300 ? res.body.slice(0, 300) : ''}`)
    }
  })

  t.test('each operation fails as documented', async (t) => {
    for (const { path, method, op } of operations) {
      const roles = op['x-roles'] ?? []
      // Each failure is the operation's successful request with one thing wrong.
      const base = success[op.operationId]!
      const legitimate = base.caller ?? guangzhou
      const call = (caller: Client, change: { url?: string, headers?: Record<string, string | undefined>, payload?: string | object } = {}) => {
        const headers = Object.fromEntries(Object.entries({ ...base.headers, ...change.headers }).filter(([, v]) => v !== undefined)) as Record<string, string>
        return caller.inject({ method: method as 'GET', url: change.url ?? base.url, headers, payload: ('payload' in change ? change.payload : base.payload) as object })
      }
      const documented = (status: number) => String(status) in op.responses
      const expect = (status: number, res: Awaited<ReturnType<typeof call>>, why: string) => {
        t.equal(res.statusCode, status, `${op.operationId} ${why}: ${res.body.slice(0, 200)}`)
        t.ok(documented(status), `${op.operationId} documents ${status}`)
        // The router answers an overlong segment before any route is matched: checked here, by the operation's path.
        if (status === 414) {
          t.same(validator.check({ method, route: path.replace(/\{([a-z]+)\}/g, ':$1'), status, headers: res.headers, contentType: res.headers['content-type'] as string, body: res.body }), [], `${op.operationId} ${why}: as documented`)
        }
      }
      // Credentials in a URL are refused on every route, before anything else can go wrong.
      expect(400, await call(legitimate, { url: `${base.url}${base.url.includes('?') ? '&' : '?'}api_key=poa_x` }), 'with a key in the query')
      if (!path.startsWith('/v1')) continue
      expect(401, await call(wrongKey), 'with a wrong key')
      const outsider = (['admin', 'regulator', 'platform'] as const).find((r) => !roles.includes(r))
      if (!roles.includes('public') && outsider) expect(403, await call(byRole[outsider]!), `as ${outsider}`)
      if (path.includes('{')) {
        const suffix = base.url.slice(pathOf(path).length)
        expect(414, await call(legitimate, { url: pathOf(path, 'a'.repeat(300)) + suffix }), 'with an overlong path segment')
        if (documented(404)) expect(404, await call(legitimate, { url: pathOf(path, path.includes('{code}') ? '110000' : missing) + suffix }), 'for a missing record')
      }
      if (op.requestBody || method !== 'GET') expect(415, await call(legitimate, { headers: { 'content-type': 'text/csv' }, payload: 'a,b' }), 'with a CSV body')
      if ((op.requestBody || method !== 'GET') && !path.endsWith('-imports')) {
        // The national envelope has a limit of its own, a batch of records.
        const past = path === '/v1/ipc' ? ipcLimits.bodyBytes : 8000
        expect(413, await call(legitimate, { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ nameZh: 'x'.repeat(past) }) }), 'with a body past the limit')
      }
      const ifMatch = op.parameters?.find((p) => p.in === 'header' && p.name === 'if-match')
      if (ifMatch) {
        t.equal(ifMatch.required, true, `${op.operationId} requires If-Match`)
        expect(428, await call(legitimate, { headers: { 'if-match': undefined } }), 'without If-Match')
        expect(412, await call(legitimate, { headers: { 'if-match': '"999"' } }), 'with a stale If-Match')
      }
    }
  })

  t.test('conflicts, replays, revalidation and limits', async (t) => {
    const taken = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ uscc: enterprise.uscc }) })
    t.equal(taken.statusCode, 409)
    const replay = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'contract-enterprise' }, payload: success.registerEnterprise!.payload as object })
    t.equal(replay.headers['idempotent-replayed'], 'true')
    const reused = await guangzhou.inject({ method: 'POST', url: '/v1/enterprises', headers: { 'idempotency-key': 'contract-enterprise' }, payload: enterpriseInput() })
    t.equal(reused.statusCode, 422)
    const etag = (await guangzhou.inject({ url: `/v1/licences/${vehicle.id}` })).headers.etag as string
    t.equal((await guangzhou.inject({ url: `/v1/licences/${vehicle.id}`, headers: { 'if-none-match': etag } })).statusCode, 304)
    t.equal((await anonymous.inject({ url: '/v1/public/jurisdictions/440100', headers: { 'if-none-match': (await anonymous.inject({ url: '/v1/public/jurisdictions/440100' })).headers.etag as string } })).statusCode, 304)
    t.equal((await guangzhou.inject({ url: '/v1/agencies?jurisdiction=999999' })).statusCode, 422)
    t.equal((await guangzhou.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('platform_permit', { issuingAgencyId: xiamen.agency.id, enterpriseId: enterprise.id }) })).statusCode, 422)
    // A fresh address spends its anonymous allowance.
    let last = 0
    for (let i = 0; i < 31; i++) last = (await app.inject({ url: '/v1/public/jurisdictions/440100', remoteAddress: '203.0.113.9' })).statusCode
    t.equal(last, 429)
  })

  t.test('every answer above kept the document’s promises', async (t) => {
    t.same(contractViolations(app), [], 'no undocumented status, missing header or body off its schema')
    const seen = validator.seen
    for (const { op } of operations) {
      const statuses = seen.get(op.operationId) ?? new Set()
      t.ok([...statuses].some((s) => s >= 200 && s < 300), `${op.operationId} answered a success`)
      for (const status of [400, 401, 403, 404, 412, 413, 414, 415, 428]) {
        if (String(status) in op.responses) t.ok(statuses.has(status) || (status === 403 && op['x-roles']?.length === 3) || (status === 401 && !op['x-roles']), `${op.operationId} answered its documented ${status}`)
      }
    }
  })
})
