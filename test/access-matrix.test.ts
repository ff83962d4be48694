import t from 'tap'
import { testApp } from './helpers/app.js'
import { actors, issueKey, platformFor } from './helpers/actors.js'
import { registerEnterprise } from './helpers/fixtures.js'
import type { Role } from '../src/auth/principal.js'

// Who may call what: written here independently of the routes' own declarations, so a route added
// without a rule, or with a rule that differs from this table, fails.
const expected: Record<string, Role[]> = {
  'GET /v1/public/jurisdictions': ['public', 'admin', 'regulator', 'platform'],
  'GET /v1/public/jurisdictions/:code': ['public', 'admin', 'regulator', 'platform'],
  'POST /v1/agencies': ['admin'],
  'GET /v1/agencies': ['admin', 'regulator'],
  'GET /v1/agencies/:id': ['admin', 'regulator'],
  'PATCH /v1/agencies/:id': ['admin'],
  'POST /v1/enterprises': ['regulator'],
  'GET /v1/enterprises': ['admin', 'regulator', 'platform'],
  'GET /v1/enterprises/:id': ['admin', 'regulator', 'platform'],
  'PATCH /v1/enterprises/:id': ['regulator'],
  'POST /v1/enterprises/:id/status-changes': ['regulator'],
  'GET /v1/enterprises/:id/status-changes': ['admin', 'regulator', 'platform'],
  'POST /v1/api-keys': ['admin'],
  'GET /v1/api-keys': ['admin'],
  'GET /v1/api-keys/:id': ['admin'],
  'POST /v1/api-keys/:id/revocation': ['admin'],
  'GET /v1/audit': ['admin', 'regulator'],
  'GET /v1/audit/verify': ['admin'],
  'POST /v1/audit/verify': ['admin'],
  'POST /v1/audit/checkpoints': ['admin'],
  'GET /v1/public/audit/checkpoints': ['public', 'admin', 'regulator', 'platform'],
  'GET /v1/events': ['admin', 'regulator', 'platform'],
  'POST /v1/licences': ['regulator'],
  'GET /v1/licences': ['admin', 'regulator', 'platform'],
  'GET /v1/licences/:id': ['admin', 'regulator', 'platform'],
  'POST /v1/licences/driver-lookup': ['admin', 'regulator', 'platform'],
  'POST /v1/licences/:id/transitions': ['regulator'],
  'GET /v1/licences/:id/transitions': ['admin', 'regulator', 'platform'],
  'POST /v1/licence-imports': ['regulator'],
  'GET /v1/licence-imports': ['admin', 'regulator'],
  'GET /v1/licence-imports/:id': ['admin', 'regulator'],
  'GET /v1/licence-imports/:id/errors': ['admin', 'regulator'],
  'POST /v1/roster-imports': ['platform'],
  'GET /v1/roster-imports': ['admin', 'platform'],
  'GET /v1/roster-imports/:id': ['admin', 'platform'],
  'GET /v1/roster-imports/:id/errors': ['admin', 'platform'],
  'GET /v1/roster/vehicles': ['admin', 'regulator', 'platform'],
  'GET /v1/roster/vehicles/:id': ['admin', 'regulator', 'platform'],
  'GET /v1/roster/vehicles/:id/changes': ['admin', 'regulator', 'platform'],
  'GET /v1/roster/drivers': ['admin', 'regulator', 'platform'],
  'GET /v1/roster/drivers/:id': ['admin', 'regulator', 'platform'],
  'GET /v1/roster/drivers/:id/changes': ['admin', 'regulator', 'platform'],
  'POST /v1/order-imports': ['platform'],
  'GET /v1/order-imports': ['admin', 'platform'],
  'GET /v1/order-imports/:id': ['admin', 'platform'],
  'GET /v1/order-imports/:id/errors': ['admin', 'platform'],
  'POST /v1/complaint-imports': ['platform'],
  'GET /v1/complaint-imports': ['admin', 'platform'],
  'GET /v1/complaint-imports/:id': ['admin', 'platform'],
  'GET /v1/complaint-imports/:id/errors': ['admin', 'platform'],
  'POST /v1/ipc': ['platform'],
  'GET /v1/orders': ['admin', 'regulator', 'platform'],
  'GET /v1/compliance/orders': ['admin', 'regulator', 'platform'],
  'GET /v1/compliance/orders/ranking': ['admin', 'regulator', 'platform'],
  'GET /v1/compliance/orders/quality': ['admin', 'regulator', 'platform'],
  'GET /v1/public/compliance/ranking': ['public', 'admin', 'regulator', 'platform'],
  'GET /v1/public/licences/verify': ['public', 'admin', 'regulator', 'platform'],
  'POST /v1/public/licences/verify': ['public', 'admin', 'regulator', 'platform']
}

t.test('every route × every role answers as the access table says', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou, anonymous } = await actors(app)
  const enterprise = await registerEnterprise(guangzhou)
  const platform = await platformFor(app, enterprise.id)
  // The key the api-keys routes act on (revoked along the way), so no caller loses its own.
  const spare = await issueKey(app, { role: 'admin', label: 'spare' })
  const callers = { public: anonymous, admin, regulator: guangzhou, platform }
  const routes = app.accessRules.filter((r) => r.method !== 'HEAD')

  t.same(routes.map((r) => `${r.method} ${r.url}`).sort(), Object.keys(expected).sort(), 'the route table and this test list the same routes')

  for (const route of routes) {
    const name = `${route.method} ${route.url}`
    t.same([...route.access].sort(), [...(expected[name] ?? [])].sort(), `${name} admits the expected roles`)
    const url = route.url
      .replace(':code', '440100')
      .replace(':id', route.url.includes('agencies') ? guangzhou.agency.id : route.url.includes('api-keys') ? spare.id : enterprise.id)
    for (const [role, caller] of Object.entries(callers) as Array<[Role, typeof admin]>) {
      const res = await caller.inject({ method: route.method as 'GET', url, ...(route.method === 'GET' ? {} : { payload: {} }) })
      const allowed = expected[name]?.includes(role)
      if (allowed) {
        t.notOk([401, 403].includes(res.statusCode), `${name} as ${role}: ${res.statusCode}`)
      } else {
        t.equal(res.statusCode, role === 'public' ? 401 : 403, `${name} as ${role} is refused`)
        t.equal(res.json().code, role === 'public' ? 'unauthenticated' : 'forbidden')
      }
    }
  }
})

t.test('a /v1 route that declares no access rule stops the app from starting', async (t) => {
  await t.rejects(testApp(t, {}, (app) => { app.get('/v1/forgotten', async () => ({ leaked: true })) }), /declares no access rule/)
})

t.test('a /v1 route the document cannot describe stops the app from starting', async (t) => {
  await t.rejects(testApp(t, {}, (app) => { app.get('/v1/undocumented', { config: { access: ['admin'] } }, async () => ({})) }), /missing from its schema: operationId, tags, summary, documented success response/)
  await t.rejects(testApp(t, {}, (app) => {
    app.get('/v1/no-answer', { config: { access: ['admin'] }, schema: { operationId: 'noAnswer', tags: ['health'], summary: 'x', response: { 404: { description: 'x', type: 'null' } } } }, async () => null)
  }), /missing from its schema: documented success response/)
})

t.test('a module whose route names a schema nobody registered stops the app from starting', async (t) => {
  await t.rejects(testApp(t, {}, (app) => {
    app.get('/v1/dangling', { config: { access: ['admin'] }, schema: { operationId: 'dangling', tags: ['health'], summary: 'x', response: { 200: { $ref: 'NoSuchSchema' } } } }, async () => ({}))
  }), /NoSuchSchema/)
})

t.test('a route or shared schema that is not valid JSON Schema stops the app from starting', async (t) => {
  const documented = { operationId: 'misspelt', tags: ['health'], summary: 'x', response: { 200: { type: 'object' } } }
  await t.rejects(testApp(t, {}, (app) => {
    app.get('/v1/misspelt', { config: { access: ['admin'] }, schema: { ...documented, querystring: { type: 'object', properties: { limit: { type: 'integr' } } } } }, async () => ({}))
  }), /GET \/v1\/misspelt: its querystring schema is not valid JSON Schema/)
  await t.rejects(testApp(t, {}, (app) => {
    app.get('/v1/misspelt', { config: { access: ['admin'] }, schema: { ...documented, response: { 200: { type: 'object', required: 'id' } } } }, async () => ({}))
  }), /its 200 response schema is not valid JSON Schema/)
  await t.rejects(testApp(t, {}, (app) => { app.addSchema({ $id: 'Misspelt', type: 'object', properties: { id: { minLength: -1 } } }) }), /schema Misspelt is not valid JSON Schema/)
})
