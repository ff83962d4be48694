import t from 'tap'
import { readFileSync } from 'node:fs'
import { anotherInstance, configOf, tableCounts, testApp } from './helpers/app.js'
import { demoKeysPath } from '../src/seed/plugin.js'
import { client } from './helpers/actors.js'
import { checkUscc } from '../src/modules/enterprises/uscc.js'

const seed = JSON.parse(readFileSync(new URL('../seeds/enterprises.json', import.meta.url), 'utf8')) as {
  enterprises: Array<{ uscc: string, sectors: string[], jurisdictionCodes: string[] }>
}

const cityOf = (code: string) => (code.startsWith('50') ? '500000' : `${code.slice(0, 4)}00`)

t.test('the demo data set is plausible: valid USCCs whose region is in the city they operate in', async (t) => {
  t.ok(seed.enterprises.length >= 30)
  for (const sector of ['ride_hailing', 'bike_share', 'car_share']) {
    t.ok(seed.enterprises.some((e) => e.sectors.includes(sector)), sector)
  }
  for (const e of seed.enterprises) {
    t.same(checkUscc(e.uscc), { uscc: e.uscc }, `${e.uscc} passes both checks`)
    t.ok(e.jurisdictionCodes.every((j) => cityOf(j) === cityOf(e.uscc.slice(2, 8))), `${e.uscc} region matches its city`)
  }
  t.same([...new Set(seed.enterprises.map((e) => cityOf(e.uscc.slice(2, 8))))].sort(), ['320600', '350200', '440100', '500000'])
})

t.test('demo data loads on first start only: a restart neither duplicates nor loses anything', async (t) => {
  const dataDir = t.testdir()
  const first = await testApp(t, { DEMO_DATA: true, DATA_DIR: dataDir })
  const loaded = await tableCounts(first)
  const keysFile = demoKeysPath(configOf(first))!
  t.equal(keysFile.startsWith(dataDir), true, 'the keys are written under DATA_DIR')
  const demoKeys = JSON.parse(readFileSync(keysFile, 'utf8')).keys as Array<{ role: string, key: string, jurisdictionCode?: string, enterpriseId?: string }>
  t.same(demoKeys.map((k) => k.role), ['regulator', 'regulator', 'regulator', 'regulator', 'platform', 'admin'], 'a transport bureau per city, a platform, an admin')
  const admin = client(first, demoKeys.find((k) => k.role === 'admin')!.key)
  t.equal(loaded.enterprises, seed.enterprises.length)
  t.ok(loaded.agencies! >= 20)

  const list = await admin.inject({ url: '/v1/enterprises?limit=200' })
  t.equal(list.json().items.length, seed.enterprises.length)
  const suspended = await admin.inject({ url: '/v1/enterprises?status=suspended' })
  t.ok(suspended.json().items.length >= 1, 'some demo enterprises are suspended')

  // The demo register: every type, every status, in each city; the platform key sees its own only.
  t.ok(loaded.licences! >= 2000, `a few thousand licences (${loaded.licences})`)
  const licences = async (who: typeof admin, query: string) => {
    const res = await who.inject({ url: `/v1/licences?limit=200&${query}` })
    t.equal(res.statusCode, 200, query)
    return res.json().items as Array<{ id: string, type: string, status: string, valid: boolean, jurisdictionCode: string, enterpriseId: string, plate: string | null, number: string }>
  }
  for (const type of ['platform_permit', 'vehicle_certificate', 'driver_certificate', 'car_share_filing']) {
    t.ok((await licences(admin, `type=${type}`)).length > 0, `some ${type}`)
  }
  for (const status of ['active', 'suspended', 'expired', 'revoked']) {
    const found = await licences(admin, `status=${status}`)
    t.ok(found.length > 0 && found.every((l) => l.status === status), `some ${status}`)
  }
  t.ok((await licences(admin, 'expiringWithinDays=30')).length > 0, 'some expire within 30 days')
  for (const city of ['440100', '350200', '320600', '500000']) {
    // In force today (an active licence may start later: see valid).
    const vehicle = (await licences(admin, `jurisdiction=${city}&type=vehicle_certificate&status=active`)).find((l) => l.valid)
    t.ok(vehicle, `vehicles in force in ${city}`)
    const verified = await client(first).inject({ url: `/v1/public/licences/verify?plate=${encodeURIComponent(vehicle!.plate!)}` })
    t.match(verified.json(), { valid: true, matches: [{ number: vehicle!.number, status: 'active' }] }, `a ${city} plate verifies publicly`)
  }
  // Rosters and months of orders: the roster checks and the compliance figures show real values.
  const lastMonth = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 15)).toISOString().slice(0, 7)
  for (const city of ['440100', '350200', '320600', '500000']) {
    const bureau = client(first, demoKeys.find((k) => k.jurisdictionCode === city)!.key)
    const rate = (await bureau.inject({ url: `/v1/compliance/orders?jurisdiction=${city}&month=${lastMonth}` })).json()
    t.ok(rate.orders > 50 && rate.rate > 0.6 && rate.rate < 1, `${city}: ${rate.orders} orders last month, rate ${rate.rate}: most compliant, not all`)
    const ranking = (await client(first).inject({ url: `/v1/public/compliance/ranking?jurisdiction=${city}&month=${lastMonth}` })).json()
    t.ok(ranking.items.length >= 2, `${city}: a published ranking of ${ranking.items.length} platforms`)
    const unlicensed = (await bureau.inject({ url: '/v1/roster/vehicles?verdict=unlicensed&limit=200' })).json().items as Array<{ check: { verdict: string } }>
    t.ok(unlicensed.length > 0 && unlicensed.some((e) => e.check.verdict === 'not_found') && unlicensed.some((e) => e.check.verdict === 'expired'), `${city}: unlicensed roster vehicles, some never certificated, some expired`)
  }
  t.ok(loaded.orders! > 1000 && loaded.roster_vehicles! > 500 && loaded.roster_drivers! > 500, 'rosters and orders loaded')

  // The README's examples, as written there.
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const readmePlate = /--data-urlencode 'plate=([^']+)'/.exec(readme)![1]!
  t.equal(readmePlate, '粤A01238', 'the plate the README verifies first')
  const inForce = await client(first).inject({ url: `/v1/public/licences/verify?plate=${encodeURIComponent(readmePlate)}` })
  t.match(inForce.json(), { valid: true, matches: [{ plate: readmePlate, status: 'active', valid: true }] }, 'is in force')
  const lastDay = new Date(inForce.json().matches[0].validUntil)
  t.ok(lastDay.getTime() - Date.now() > 3 * 365 * 86_400_000, `and stays so for years after the demo data is loaded (until ${inForce.json().matches[0].validUntil})`)

  const sampleFile = /examples\/licence-import\.ndjson/.exec(readme)?.[0]
  t.ok(sampleFile, 'the README imports the sample file the repository ships')
  const gzKey = client(first, demoKeys.find((k) => k.jurisdictionCode === '440100')!.key)
  const agency = (await gzKey.inject({ url: '/v1/agencies?kind=transport&jurisdiction=440100' })).json().items[0].id
  const platform = (await gzKey.inject({ url: '/v1/enterprises?jurisdiction=440100&sector=ride_hailing&status=active&limit=1' })).json().items[0].id
  const sample = readFileSync(new URL(`../${sampleFile}`, import.meta.url), 'utf8')
    .replaceAll('GUANGZHOU_TRANSPORT_BUREAU_ID', agency).replaceAll('PLATFORM_ID', platform)
  const imported = await gzKey.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'example-import-1' }, payload: sample })
  t.equal(imported.statusCode, 201, imported.body)
  const { status, lines, applied, rejected, errors } = imported.json()
  t.same({ status, lines, applied, rejected, refused: errors.map((e: { line: number, code: string }) => ({ line: e.line, code: e.code })) },
    JSON.parse(/# (\{"status": "completed".*\})\n/.exec(readme)![1]!), 'the counts the README shows')
  const again = await gzKey.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'example-import-1' }, payload: sample })
  t.same(again.json(), imported.json(), 'sent again, the same answer')

  const idNumbered = (await licences(admin, 'type=driver_certificate')).find((l) => (l as { numberIsIdNumber?: boolean }).numberIsIdNumber)
  t.ok(idNumbered, 'some driver certificates are numbered with the driver’s ID number, shown masked')
  t.match(idNumbered!.number, /^\d{6}\*{8}\d{3}[\dX]$/)
  const platformKey = demoKeys.find((k) => k.role === 'platform')!
  const own = await licences(client(first, platformKey.key), '')
  t.ok(own.length > 0 && own.every((l) => l.enterpriseId === platformKey.enterpriseId), 'the demo platform sees its own licences only')

  const one = list.json().items.find((e: { status: string, jurisdictionCodes: string[] }) => e.status === 'active' && e.jurisdictionCodes.some((c) => c.startsWith('4401')))
  const guangzhou = client(first, demoKeys.find((k) => k.jurisdictionCode === '440100')!.key)
  const renamed = await guangzhou.inject({ method: 'PATCH', url: `/v1/enterprises/${one.id}`, headers: { 'if-match': `"${one.version}"` }, payload: { nameEn: 'Changed before restart' } })
  t.equal(renamed.statusCode, 200)
  const beforeRestart = await tableCounts(first)
  await first.close()

  const second = await anotherInstance(t, first)
  t.same(await tableCounts(second), beforeRestart, 'nothing duplicated')
  const after = await client(second, admin.key).inject({ url: `/v1/enterprises/${one.id}` })
  t.equal(after.json().nameEn, 'Changed before restart', 'nothing lost')
})
