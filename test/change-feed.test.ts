import t from 'tap'
import { testApp } from './helpers/app.js'
import { actors, platformFor, regulatorFor, type Client } from './helpers/actors.js'
import { enterpriseInput, issueLicence, licenceInput, registerEnterprise } from './helpers/fixtures.js'

interface Change { seq: number, action: string, entityType: string, entityId: string, href: string | null, related: { licences: string } | null }

async function poll (caller: Client, after: string | undefined, limit = 7) {
  const res = await caller.inject({ url: `/v1/events?limit=${limit}${after ? `&after=${after}` : ''}` })
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json() as { items: Change[], nextCursor: string }
}

t.test('the change feed', async (t) => {
  const app = await testApp(t)
  const { guangzhou, xiamen, admin } = await actors(app)

  t.test('a poller misses nothing and sees nothing twice while writers run concurrently', async (t) => {
    let cursor = (await poll(admin, undefined, 1000)).nextCursor
    const seen: Change[] = []
    const state = { writing: true }
    const writers = [guangzhou, xiamen].flatMap((regulator, w) => Array.from({ length: 3 }, async (_, lane) => {
      const ids: string[] = []
      for (let i = 0; i < 8; i++) {
        const codes = w === 0 ? ['440106'] : ['350203']
        const res = await regulator.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput({ jurisdictionCodes: codes, nameZh: `并发${w}-${lane}-${i}` }) })
        if (res.statusCode !== 201) throw new Error(res.body)
        ids.push(res.json().id)
      }
      return ids
    }))
    const reader = (async () => {
      while (state.writing) {
        const page = await poll(admin, cursor)
        seen.push(...page.items)
        cursor = page.nextCursor
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    const written = (await Promise.all(writers)).flat()
    state.writing = false
    await reader
    for (;;) {
      const page = await poll(admin, cursor)
      if (page.items.length === 0) break
      seen.push(...page.items)
      cursor = page.nextCursor
    }
    const registered = seen.filter((c) => c.action === 'enterprise.registered').map((c) => c.entityId)
    t.equal(registered.length, written.length, 'every registration seen')
    t.same([...registered].sort(), [...written].sort(), 'exactly the registrations written')
    t.equal(new Set(seen.map((c) => c.seq)).size, seen.length, 'nothing twice')
    t.ok(seen.every((c, i) => i === 0 || c.seq > seen[i - 1]!.seq), 'in commit order')
    t.match(seen[0], { entityType: 'enterprise', href: `/v1/enterprises/${seen[0]!.entityId}` })
  })

  t.test('each caller sees only what it may', async (t) => {
    const own = await registerEnterprise(guangzhou)
    const other = await registerEnterprise(guangzhou)
    const platform = await platformFor(app, own.id)
    await guangzhou.inject({ method: 'PATCH', url: `/v1/enterprises/${own.id}`, headers: { 'if-match': '"1"' }, payload: { nameEn: 'Own Ltd.' } })
    await guangzhou.inject({ method: 'PATCH', url: `/v1/enterprises/${other.id}`, headers: { 'if-match': '"1"' }, payload: { nameEn: 'Other Ltd.' } })
    const platformFeed = await poll(platform, undefined, 1000)
    t.same([...new Set(platformFeed.items.map((c) => c.entityId))].sort(), [own.id, platform.keyId].sort(), 'its enterprise and its own key')
    t.equal(platformFeed.items.find((c) => c.entityType === 'api_key')?.href, null, 'no link a platform could not follow')
    const xiamenFeed = await poll(xiamen, undefined, 1000)
    t.notOk(xiamenFeed.items.some((c) => c.entityId === own.id), 'Xiamen does not see Guangzhou')
    const empty = await poll(platform, platformFeed.nextCursor)
    t.same(empty.items, [])
    t.equal(empty.nextCursor, platformFeed.nextCursor, 'an empty poll keeps the cursor')
  })

  t.test('licences and imports carry their link, and an import names where the licences it entered are listed', async (t) => {
    const start = (await poll(admin, undefined, 1000)).nextCursor
    const enterprise = await registerEnterprise(guangzhou)
    const platform = await platformFor(app, enterprise.id)
    const issued = await issueLicence(guangzhou, licenceInput('platform_permit', { issuingAgencyId: guangzhou.agency.id, enterpriseId: enterprise.id }))
    const line = licenceInput('car_share_filing', { issuingAgencyId: guangzhou.agency.id, enterpriseId: enterprise.id })
    const imported = await guangzhou.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'feed-import-1' }, payload: JSON.stringify(line) + '\n' })
    t.equal(imported.statusCode, 201, imported.body)
    const importId = imported.json().id as string

    const feed = (await poll(guangzhou, start, 1000)).items
    t.match(feed.find((c) => c.entityId === issued.id), { action: 'licence.issued', entityType: 'licence', href: `/v1/licences/${issued.id}`, related: null })
    const importEvent = feed.find((c) => c.entityId === importId)
    t.match(importEvent, { action: 'licence_import.batch_committed', entityType: 'licence_import', href: `/v1/licence-imports/${importId}`, related: { licences: `/v1/licences?importId=${importId}` } })
    t.equal((await guangzhou.inject({ url: importEvent!.href! })).statusCode, 200, 'the import link can be followed')
    t.equal((await guangzhou.inject({ url: feed.find((c) => c.entityId === issued.id)!.href! })).statusCode, 200, 'the licence link can be followed')
    t.equal(feed.find((c) => c.entityType === 'enterprise')?.related, null, 'other events name nothing related')

    // Another agency of the same city sees the import happen but may not read the import itself.
    const market = await regulatorFor(app, '440100', '广州市市场监督管理局（动态）', 'market_regulation')
    const seenByMarket = (await poll(market, start, 1000)).items.find((c) => c.entityId === importId)
    t.match(seenByMarket, { entityType: 'licence_import', href: null, related: { licences: `/v1/licences?importId=${importId}` } })
    t.equal((await market.inject({ url: `/v1/licence-imports/${importId}` })).statusCode, 404, 'which is why it has no link')
    t.match((await poll(admin, start, 1000)).items.find((c) => c.entityId === importId), { href: `/v1/licence-imports/${importId}` })

    const platformFeed = (await poll(platform, undefined, 1000)).items
    t.match(platformFeed.find((c) => c.entityId === issued.id), { href: `/v1/licences/${issued.id}` }, 'a platform follows its own licence')
    t.notOk(platformFeed.some((c) => c.entityType === 'licence_import'), 'an import is the agency’s, not the platform’s')
  })

  t.test('a foreign cursor is refused with a pointer at `after`', async (t) => {
    const res = await admin.inject({ url: '/v1/events?after=forged.cursor' })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { code: 'invalid_cursor', errors: [{ in: 'query', pointer: '/after' }] })
  })
})
