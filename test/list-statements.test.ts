import t from 'tap'
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
