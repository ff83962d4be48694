import t from 'tap'
import { readFileSync } from 'node:fs'
import { Validator } from '@seriousme/openapi-schema-validator'
import { openapiPath, renderOpenapi } from '../src/cli/openapi.js'
import { testApp } from './helpers/app.js'

t.test('the OpenAPI document', async (t) => {
  const app = await testApp(t)
  const generated = renderOpenapi(app)
  const document = JSON.parse(generated)

  t.test('the committed openapi/openapi.json matches the routes (run `npm run openapi` when this fails)', async (t) => {
    t.equal(readFileSync(openapiPath, 'utf8'), generated)
  })

  t.test('is a valid OpenAPI 3.1 document', async (t) => {
    const validator = new Validator()
    const result = await validator.validate(document)
    t.same(result.errors ?? [], [])
    t.equal(result.valid, true)
    t.equal(validator.version, '3.1')
  })

  t.test('/openapi.json serves the same document, with this installation’s audit signing key in info', async (t) => {
    const res = await app.inject({ url: '/openapi.json' })
    t.equal(res.statusCode, 200)
    const { 'x-audit-signing-key': signingKey, ...info } = res.json().info
    t.same({ ...res.json(), info }, document)
    t.notOk(document.info['x-audit-signing-key'], 'the committed document is the same for every installation')
    const published = (await app.inject({ url: '/v1/public/audit/checkpoints' })).json().signingKey
    t.same(signingKey, { ...published, checkpoints: '/v1/public/audit/checkpoints' }, 'the key the checkpoints are published with')
  })

  t.test('every operation has an operationId, tags, a summary and a described response for every status', async (t) => {
    const ids = new Set<string>()
    for (const [path, item] of Object.entries<Record<string, { operationId?: string, tags?: string[], summary?: string, responses: Record<string, { description?: string, content?: Record<string, { schema?: unknown }> }> }>>(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`
        t.ok(op.operationId, `${name} operationId`)
        t.notOk(ids.has(op.operationId!), `${name} operationId unique`)
        ids.add(op.operationId!)
        t.ok(op.tags?.length, `${name} tags`)
        t.ok(op.summary, `${name} summary`)
        for (const [status, declared] of Object.entries(op.responses)) {
          // Shared answers are components; each is checked as what it refers to.
          const ref = (declared as { $ref?: string }).$ref
          if (Number(status) >= 400) t.ok(ref?.startsWith('#/components/responses/'), `${name} ${status} is a shared response component`)
          const response = (ref ? document.components.responses[ref.split('/').at(-1)!] : declared) as { description?: string, content?: Record<string, { schema?: unknown }> } | undefined
          if (!response) { t.fail(`${name} ${status} resolves`); continue }
          t.ok(response.description && response.description !== 'Default Response', `${name} ${status} described`)
          if (status !== '304') t.ok(Object.values(response.content ?? {})[0]?.schema, `${name} ${status} has a schema`)
          if (Number(status) >= 400) t.ok(response.content?.['application/problem+json'], `${name} ${status} is problem+json`)
        }
        // Liveness touches nothing that can fail; everything else can meet a failing database.
        if (op.operationId !== 'liveness') t.ok(op.responses['500'] && op.responses['503'], `${name} documents 500 and 503`)
      }
    }
  })

  t.test('every /v1 operation says which roles may call it, and the bearer scheme is declared', async (t) => {
    t.match(document.components.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer' } })
    for (const [path, item] of Object.entries<Record<string, { 'x-roles'?: string[], security?: unknown[], description?: string, responses: Record<string, unknown> }>>(document.paths)) {
      if (!path.startsWith('/v1')) continue
      for (const [method, op] of Object.entries(item)) {
        t.ok(op['x-roles']?.length, `${method} ${path} x-roles`)
        t.match(op.description, /Roles: /)
        if (path.startsWith('/v1/public')) {
          t.same(op.security, [], `${method} ${path} needs no key`)
        } else {
          t.same(op.security, [{ bearerAuth: [] }], `${method} ${path} needs a key`)
          t.ok(op.responses['401'] && op.responses['403'], `${method} ${path} documents 401 and 403`)
        }
      }
    }
  })

  t.test('every body and response field has a description', async (t) => {
    const undescribed: string[] = []
    const visit = (schema: Record<string, unknown>, at: string) => {
      const properties = schema.properties as Record<string, Record<string, unknown>> | undefined
      for (const [name, property] of Object.entries(properties ?? {})) {
        if (!property.description && !property.$ref) undescribed.push(`${at}.${name}`)
        visit(property, `${at}.${name}`)
      }
      if (schema.items) visit(schema.items as Record<string, unknown>, `${at}[]`)
    }
    for (const [name, schema] of Object.entries<Record<string, unknown>>(document.components.schemas)) visit(schema, name)
    for (const [path, item] of Object.entries<Record<string, Record<string, any>>>(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const body = op.requestBody?.content?.['application/json']?.schema
        if (body) visit(body, `${method} ${path} body`)
        for (const [status, response] of Object.entries<any>(op.responses)) {
          const schema = response.content?.['application/json']?.schema
          if (schema) visit(schema, `${method} ${path} ${status}`)
        }
        for (const parameter of op.parameters ?? []) {
          if (!parameter.description && !parameter.schema?.description) undescribed.push(`${method} ${path} ${parameter.in} ${parameter.name}`)
        }
      }
    }
    t.same(undescribed, [])
  })
})

t.test('what the document promises of headers and parameters', async (t) => {
  const document = JSON.parse(readFileSync(openapiPath, 'utf8'))
  for (const name of ['ETag', 'Location', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Idempotent-Replayed', 'X-Request-Id', 'WWW-Authenticate']) {
    t.ok(document.components.headers[name]?.schema, `${name} is a header component`)
  }
  t.match(document.components.responses.Unauthorized.headers, { 'WWW-Authenticate': { $ref: '#/components/headers/WWW-Authenticate' } })
  t.match(document.components.responses.TooManyRequests.headers, { 'Retry-After': { $ref: '#/components/headers/Retry-After' } })
  t.match(document.paths['/v1/licences'].post.responses['201'].headers, { Location: { $ref: '#/components/headers/Location' }, ETag: { $ref: '#/components/headers/ETag' }, 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } })
  let lists = 0
  for (const [path, item] of Object.entries<Record<string, { parameters?: Array<{ in: string, name: string, required?: boolean, schema?: { default?: unknown } }>, responses: Record<string, unknown> }>>(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const p of op.parameters ?? []) {
        if (p.in === 'query' && p.schema?.default !== undefined) t.notOk(p.required, `${method} ${path} ${p.name} has a default and is not required`)
        if (p.name === 'limit') lists++
        if (p.in === 'header' && p.name === 'if-match') {
          t.equal(p.required, true, `${method} ${path} requires If-Match`)
          t.ok(op.responses['428'], `${method} ${path} documents 428`)
        }
        if (p.in === 'header' && p.name === 'idempotency-key') t.ok(op.responses['409'] && op.responses['422'], `${method} ${path} documents in-flight 409 and reused-key 422`)
      }
      if (path.startsWith('/v1/public')) t.ok(op.responses['401'], `${method} ${path}: a bad key on a public route is 401`)
    }
  }
  t.ok(lists >= 11, `every list documents limit (${lists})`)
})
