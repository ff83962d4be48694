import t from 'tap'
import { once } from 'node:events'
import net from 'node:net'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { secretMatches } from '../src/auth/keys.js'
import { freshPostgresDatabase, tableCounts, testApp } from './helpers/app.js'
import { actors, client } from './helpers/actors.js'
import { buildApp } from '../src/app.js'
import { defaultConfig } from '../src/config.js'

t.test('API keys', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou, anonymous } = await actors(app)

  t.test('an admin issues a key that is shown once and stored only as a hash', async (t) => {
    const res = await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'regulator', agencyId: guangzhou.agency.id, label: 'bureau integration' } })
    t.equal(res.statusCode, 201)
    const issued = res.json()
    t.match(issued.key, /^poa_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/)
    t.equal(issued.key.split('_')[1], issued.prefix)
    t.equal(res.headers.location, `/v1/api-keys/${issued.id}`)
    const read = await admin.inject({ url: `/v1/api-keys/${issued.id}` })
    t.notOk('key' in read.json(), 'never shown again')
    t.notMatch(JSON.stringify((await admin.inject({ url: '/v1/api-keys?limit=200' })).json()), issued.key.slice(17))
    const [row] = rowsOf<{ secret_hash: string }>(await app.db.execute(sql`select secret_hash from api_keys where id = ${issued.id}`))
    t.notMatch(row!.secret_hash, issued.key.slice(17), 'the secret itself is not stored')
    const works = await client(app, issued.key).inject({ url: '/v1/enterprises' })
    t.equal(works.statusCode, 200)
  })

  t.test('a replayed key issuance never shows the secret, which is stored nowhere', async (t) => {
    const post = () => admin.inject({ method: 'POST', url: '/v1/api-keys', headers: { 'idempotency-key': 'issue-once' }, payload: { role: 'admin', label: 'retried' } })
    const first = await post()
    t.equal(first.statusCode, 201)
    const secret = first.json().key.slice(17)
    const replay = await post()
    t.equal(replay.statusCode, 201)
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.equal(replay.json().key, null)
    t.equal(replay.json().id, first.json().id)
    const stored = rowsOf<{ body: unknown }>(await app.db.execute(sql`select body from idempotency_records where key = 'issue-once'`))
    t.notMatch(JSON.stringify(stored), secret)
  })

  t.test('last use is recorded', async (t) => {
    await guangzhou.inject({ url: '/v1/enterprises' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const key = await admin.inject({ url: `/v1/api-keys/${guangzhou.keyId}` })
    t.match(key.json().lastUsedAt, /^\d{4}-/)
  })

  t.test('revocation bites at once', async (t) => {
    const issued = (await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'admin', label: 'short-lived' } })).json()
    const holder = client(app, issued.key)
    t.equal((await holder.inject({ url: '/v1/agencies' })).statusCode, 200)
    const revoked = await admin.inject({ method: 'POST', url: `/v1/api-keys/${issued.id}/revocation` })
    t.equal(revoked.statusCode, 200)
    t.match(revoked.json().revokedAt, /^\d{4}-/)
    const refused = await holder.inject({ url: '/v1/agencies' })
    t.equal(refused.statusCode, 401)
    t.equal(refused.json().code, 'api_key_revoked')
    t.match(refused.headers['www-authenticate'], /^Bearer/)
    const again = await admin.inject({ method: 'POST', url: `/v1/api-keys/${issued.id}/revocation` })
    t.equal(again.json().revokedAt, revoked.json().revokedAt, 'revoking twice keeps the first time')
  })

  t.test('an expired key is refused from the moment it expires', async (t) => {
    // The key's row is reused for up to a second; its expiry is read against the clock every time.
    const expiresAt = new Date(Date.now() + 1500)
    const issued = (await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'admin', label: 'expiring', expiresAt: expiresAt.toISOString() } })).json()
    const holder = client(app, issued.key)
    t.equal((await holder.inject({ url: '/v1/agencies' })).statusCode, 200)
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 10))
    const res = await holder.inject({ url: '/v1/agencies' })
    t.equal(res.statusCode, 401)
    t.equal(res.json().code, 'api_key_expired')
  })

  t.test('a key revoked or moved by another replica bites within a second', async (t) => {
    const issued = (await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'admin', label: 'revoked elsewhere' } })).json()
    const holder = client(app, issued.key)
    t.equal((await holder.inject({ url: '/v1/agencies' })).statusCode, 200)
    // What another instance (or `npm run keys -- revoke`) does: the row changes, this instance is not told.
    await app.db.execute(sql`update api_keys set revoked_at = now() where id = ${issued.id}`)
    await new Promise((resolve) => setTimeout(resolve, 1050))
    const res = await holder.inject({ url: '/v1/agencies' })
    t.equal(res.statusCode, 401)
    t.equal(res.json().code, 'api_key_revoked')
  })

  t.test('a regulator key acts in its agency\'s new jurisdiction as soon as the move commits', async (t) => {
    const agency = (await admin.inject({ method: 'POST', url: '/v1/agencies', payload: { nameZh: '移动测试交通局', kind: 'transport', jurisdictionCode: '440100' } })).json()
    const issued = (await admin.inject({ method: 'POST', url: '/v1/api-keys', payload: { role: 'regulator', agencyId: agency.id, label: 'moving bureau' } })).json()
    const bureau = client(app, issued.key)
    t.equal((await bureau.inject({ url: `/v1/agencies/${guangzhou.agency.id}` })).statusCode, 200, 'sees Guangzhou while it is there')
    const moved = await admin.inject({ method: 'PATCH', url: `/v1/agencies/${agency.id}`, headers: { 'if-match': '"1"' }, payload: { jurisdictionCode: '350200' } })
    t.equal(moved.statusCode, 200)
    t.equal((await bureau.inject({ url: `/v1/agencies/${guangzhou.agency.id}` })).statusCode, 404, 'and no longer once moved to Xiamen')
  })

  t.test('a cached key still needs its secret', async (t) => {
    const real = guangzhou.key!
    t.equal((await guangzhou.inject({ url: '/v1/enterprises' })).statusCode, 200, 'the key is now cached')
    const res = await anonymous.inject({ url: '/v1/enterprises', headers: { authorization: `Bearer ${real.slice(0, -4)}AAAA` } })
    t.equal(res.statusCode, 401)
    t.equal(res.json().code, 'invalid_api_key')
  })

  t.test('malformed, unknown and misplaced credentials are refused', async (t) => {
    const real = guangzhou.key!
    const cases: Array<[string, Record<string, string>, string?, number?]> = [
      ['no scheme', { authorization: real }, 'invalid_api_key'],
      ['Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }, 'invalid_api_key'],
      ['empty bearer', { authorization: 'Bearer ' }, 'invalid_api_key'],
      ['not our format', { authorization: 'Bearer abc.def.ghi' }, 'invalid_api_key'],
      ['right prefix, wrong secret', { authorization: `Bearer ${real.slice(0, -4)}AAAA` }, 'invalid_api_key'],
      ['unknown prefix', { authorization: `Bearer poa_zzzzzzzzzzzz_${real.slice(17)}` }, 'invalid_api_key']
    ]
    for (const [name, headers, code] of cases) {
      const before = await tableCounts(app)
      const res = await anonymous.inject({ url: '/v1/enterprises', headers })
      t.equal(res.statusCode, 401, name)
      t.equal(res.json().code, code, name)
      t.same(await tableCounts(app), before)
    }
    const inQuery = await anonymous.inject({ url: `/v1/enterprises?api_key=${real}` })
    t.equal(inQuery.statusCode, 400)
    t.match(inQuery.json(), { code: 'credentials_in_query', errors: [{ in: 'query', pointer: '/api_key' }] })
    const tokenInQuery = await guangzhou.inject({ url: `/v1/public/jurisdictions?access_token=${real}` })
    t.equal(tokenInQuery.json().code, 'credentials_in_query', 'even on a public route')
    t.notOk(secretMatches('anything', undefined), 'with no stored hash nothing matches')
  })

  t.test('issuing checks the holder matches the role', async (t) => {
    const before = await tableCounts(app)
    const bad: Array<[object, number, string, string]> = [
      [{ role: 'regulator', label: 'x' }, 400, 'validation_failed', '/agencyId'],
      [{ role: 'platform', label: 'x' }, 400, 'validation_failed', '/enterpriseId'],
      [{ role: 'admin', label: 'x', agencyId: guangzhou.agency.id }, 400, 'validation_failed', '/agencyId'],
      [{ role: 'admin', label: 'x', enterpriseId: guangzhou.agency.id }, 400, 'validation_failed', '/enterpriseId'],
      [{ role: 'regulator', label: 'x', agencyId: '01900000-0000-7000-8000-000000000000' }, 422, 'unknown_key_holder', '/agencyId'],
      [{ role: 'platform', label: 'x', enterpriseId: '01900000-0000-7000-8000-000000000000' }, 422, 'unknown_key_holder', '/enterpriseId'],
      [{ role: 'admin', label: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 400, 'validation_failed', '/expiresAt'],
      [{ role: 'superuser', label: 'x' }, 400, 'validation_failed', '/role'],
      [{ role: 'admin', label: 'x', expiresAt: '2030-12-31T23:59:60Z' }, 400, 'validation_failed', '/expiresAt']
    ]
    for (const [payload, status, code, pointer] of bad) {
      const res = await admin.inject({ method: 'POST', url: '/v1/api-keys', payload })
      t.equal(res.statusCode, status, JSON.stringify(payload))
      t.match(res.json(), { code, errors: [{ pointer }] })
    }
    t.same(await tableCounts(app), before)
    t.equal((await admin.inject({ url: '/v1/api-keys/01900000-0000-7000-8000-000000000000' })).statusCode, 404)
    const listed = await admin.inject({ url: `/v1/api-keys?role=regulator&agencyId=${guangzhou.agency.id}` })
    t.ok(listed.json().items.every((k: { role: string }) => k.role === 'regulator'))
  })

  t.test('oversized headers are refused by the server before anything runs', async (t) => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as net.AddressInfo).port
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    socket.write(`GET /v1/enterprises HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'x'.repeat(20_000)}\r\n\r\n`)
    const [data] = await once(socket, 'data') as [Buffer]
    t.match(data.toString(), /^HTTP\/1\.1 431/)
    socket.destroy()
  })
})

t.test('the operator command issues the first admin key on a fresh install', async (t) => {
  const adminUrl = process.env.TEST_DATABASE_URL
  const env: Record<string, string> = adminUrl ? { DATABASE_URL: await freshPostgresDatabase(t, adminUrl) } : { DATA_DIR: t.testdir() }
  const script = fileURLToPath(new URL('../src/cli/keys.ts', import.meta.url))
  const run = async (...args: string[]) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], { env: { ...process.env, ...env, DEMO_DATA: 'false' } })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { out += d })
    const [code] = await once(child, 'exit')
    return { code, out }
  }
  const created = await run('create', '--role', 'admin', '--label', 'first operator')
  t.equal(created.code, 0, created.out)
  const key = /(poa_[a-z0-9]{12}_[A-Za-z0-9_-]{43})/.exec(created.out)?.[1]
  t.ok(key, 'the key is printed once')
  const listed = await run('list')
  t.match(listed.out, /admin\s+valid\s+first operator/)
  t.notMatch(listed.out, key!.slice(17), 'list never shows secrets')
  const refused = await run('create', '--role', 'wizard', '--label', 'x')
  t.equal(refused.code, 1)
  t.match(refused.out, /--role must be one of/)

  const app = await buildApp({ config: defaultConfig({ DEMO_DATA: false, ...env }), logger: false })
  t.teardown(() => app.close())
  const res = await client(app, key).inject({ url: '/v1/api-keys' })
  t.equal(res.statusCode, 200)
  const id = res.json().items[0].id
  await app.close()
  const revoked = await run('revoke', id)
  t.equal(revoked.code, 0, revoked.out)
  const again = await buildApp({ config: defaultConfig({ DEMO_DATA: false, ...env }), logger: false })
  t.teardown(() => again.close())
  t.equal((await client(again, key).inject({ url: '/v1/api-keys' })).json().code, 'api_key_revoked')
})
