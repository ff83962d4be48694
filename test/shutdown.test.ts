import t from 'tap'
import { holdEnterprises, testApp } from './helpers/app.js'
import { enterpriseInput } from './helpers/fixtures.js'
import { actors } from './helpers/actors.js'

t.test('shutdown stops accepting, finishes in-flight requests, then closes the database', async (t) => {
  const app = await testApp(t)
  const { guangzhou } = await actors(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  const release = await holdEnterprises(app)
  const inFlight = fetch(`${base}/v1/enterprises`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${guangzhou.key}` }, body: JSON.stringify(enterpriseInput()) })
  await new Promise((resolve) => setTimeout(resolve, 200))
  const closing = app.close()
  await new Promise((resolve) => setTimeout(resolve, 100))

  await t.rejects(fetch(`${base}/healthz`), 'a new connection is refused while closing')
  await release()
  const res = await inFlight
  t.equal(res.status, 201, 'the in-flight request completed')
  t.match(await res.json(), { status: 'active' })
  await closing
  t.equal(await app.database.ready(500), false, 'the database is closed last')
})
