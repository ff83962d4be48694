import t from 'tap'
import { eq, getTableColumns, sql } from 'drizzle-orm'
import { withCompiledRows } from '../src/db/rows.js'
import { enterprises } from '../src/modules/enterprises/table.js'
import { licences } from '../src/modules/licences/table.js'
import { testApp } from './helpers/app.js'
import { actors } from './helpers/actors.js'
import { issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

// Each shape of a list (role, filters given, cursor or not) is one prepared statement per connection.
t.test('list shapes that differ only late in their filters are separate statements, each answering its own filters', async (t) => {
  const app = await testApp(t)
  const { guangzhou } = await actors(app)
  const mine = await registerEnterprise(guangzhou, { jurisdictionCodes: ['440106'] })
  const other = await registerEnterprise(guangzhou, { jurisdictionCodes: ['440106'] })
  const base = { issuingAgencyId: guangzhou.agency.id }
  const held = await issueLicence(guangzhou, licenceInput('vehicle_certificate', { ...base, enterpriseId: mine.id }))
  const elsewhere = await issueLicence(guangzhou, licenceInput('vehicle_certificate', { ...base, enterpriseId: other.id }))
  const common = '/v1/licences?type=vehicle_certificate&status=active&jurisdiction=440100'
  const ids = async (url: string) => {
    const res = await guangzhou.inject({ url })
    t.equal(res.statusCode, 200, url)
    return res.json().items.map((l: { id: string }) => l.id).sort()
  }
  // Several times each, interleaved: a statement is reused only by its own shape.
  for (let round = 0; round < 3; round++) {
    t.same(await ids(common), [held.id, elsewhere.id].sort(), 'without an enterprise, both')
    t.same(await ids(`${common}&enterprise=${mine.id}`), [held.id], 'with one, only its licence')
    t.same(await ids(`${common}&enterprise=${other.id}`), [elsewhere.id], 'the same shape with another value')
    t.same(await ids(`${common}&enterprise=${mine.id}&plate=${encodeURIComponent(String(held.plate))}`), [held.id])
    t.same(await ids(`${common}&enterprise=${mine.id}&plate=${encodeURIComponent(String(elsewhere.plate))}`), [])
  }
  const page = (await guangzhou.inject({ url: `${common}&limit=1` })).json()
  const next = await guangzhou.inject({ url: `${common}&limit=1&cursor=${encodeURIComponent(page.nextCursor)}` })
  t.equal(next.json().items.length, 1, 'the next page, with its cursor bound as a value')
  t.not(next.json().items[0].id, page.items[0].id)
})

t.test('a prepared statement\'s compiled row mapper makes exactly what drizzle\'s own mapper makes', async (t) => {
  const app = await testApp(t)
  const { guangzhou } = await actors(app)
  const holder = await registerEnterprise(guangzhou, { jurisdictionCodes: ['440106'] })
  await issueLicence(guangzhou, licenceInput('vehicle_certificate', { issuingAgencyId: guangzhou.agency.id, enterpriseId: holder.id }))
  await issueLicence(guangzhou, licenceInput('driver_certificate', { issuingAgencyId: guangzhou.agency.id }))
  // Every column type the tables use (text, uuid, integer, date, timestamptz, arrays, nulls), and an SQL expression beside them.
  const selection = { ...getTableColumns(licences), enterpriseName: enterprises.nameZh, sectors: enterprises.sectors, lower: sql<string>`lower(${licences.number})`, at: sql<Date>`${licences.createdAt}`.mapWith(licences.createdAt) }
  const query = (name: string) => app.db.select(selection).from(licences).leftJoin(enterprises, eq(enterprises.id, licences.enterpriseId)).orderBy(licences.id).prepare(name)
  const drizzles = await query('rows_by_drizzle').execute()
  const compiled = await withCompiledRows(query('rows_compiled')).execute()
  t.ok(drizzles.length >= 2)
  t.same(compiled, drizzles)
  t.ok(compiled.every((r) => r.createdAt instanceof Date && r.at instanceof Date), 'timestamps decoded to dates')
  t.ok(compiled.some((r) => r.enterpriseName === null) && compiled.some((r) => Array.isArray(r.sectors)), 'a left join\'s missing row is nulls, arrays stay arrays')
  t.same(Object.keys(compiled[0]!), Object.keys(drizzles[0]!), 'the same keys in the same order')
  // A select of nested objects is left to drizzle.
  const nested = app.db.select({ licence: { id: licences.id }, holder: { name: enterprises.nameZh } }).from(licences).leftJoin(enterprises, eq(enterprises.id, licences.enterpriseId)).prepare('rows_nested')
  t.equal(withCompiledRows(nested), nested)
  t.same((await nested.execute()).find((r) => r.holder === null) !== undefined, true, 'drizzle still nulls a missing joined object')
})
