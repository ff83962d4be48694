import t from 'tap'
import { testApp } from './helpers/app.js'
import { actors, platformFor, type Client } from './helpers/actors.js'
import { enterpriseInput, registerEnterprise } from './helpers/fixtures.js'

interface Change { seq: number, action: string, entityType: string, entityId: string, href: string | null }

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

  t.test('a foreign cursor is refused with a pointer at `after`', async (t) => {
    const res = await admin.inject({ url: '/v1/events?after=forged.cursor' })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { code: 'invalid_cursor', errors: [{ in: 'query', pointer: '/after' }] })
  })
})
