import t from 'tap'
import { connect } from 'node:net'
import { loggedTestApp, tableCounts, testApp } from './helpers/app.js'
import { actors, platformFor } from './helpers/actors.js'
import { registerEnterprise } from './helpers/fixtures.js'

const otherTypes = ['application/x-ndjson', 'application/x-ndjson; charset=utf-8', 'text/csv', 'application/octet-stream', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml']

t.test('every route that takes JSON refuses any other type with 415, whoever calls; only the import streams', async (t) => {
  const app = await testApp(t)
  const { admin, guangzhou, anonymous } = await actors(app)
  const platform = await platformFor(app, (await registerEnterprise(guangzhou)).id)
  const withBody = app.accessRules.filter((r) => ['POST', 'PATCH', 'PUT'].includes(r.method))
  t.ok(withBody.length >= 8, `${withBody.length} routes take a body`)
  for (const route of withBody) {
    const who = route.access.includes('public') ? anonymous : route.access.includes('admin') ? admin : route.access.includes('regulator') ? guangzhou : platform
    const url = route.url.replace(/:\w+/g, '01900000-0000-7000-8000-000000000000')
    const streams = route.url.endsWith('-imports')
    for (const type of streams ? ['application/json', 'text/csv', 'application/octet-stream'] : otherTypes) {
      const before = await tableCounts(app)
      const res = await who.inject({ method: route.method as 'POST', url, headers: { 'content-type': type }, payload: '{"type":"platform_permit"}\n{"a":1}\n' })
      t.equal(res.statusCode, 415, `${route.method} ${route.url} as ${type}: ${res.statusCode === 415 ? '415' : res.body}`)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.match(res.json(), {
        code: 'unsupported_media_type',
        detail: streams ? /application\/x-ndjson/ : /application\/json/,
        errors: [{ in: 'header', pointer: '/content-type', code: 'unsupported_media_type' }]
      })
      t.notOk(res.body.includes('socket'), 'never a word about the request object')
      t.same(await tableCounts(app), before, 'nothing written')
    }
  }
})

t.test('a large body of another type is refused at once, without being read', async (t) => {
  const app = await testApp(t)
  const { guangzhou } = await actors(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const total = 64 * 1024 * 1024
  const chunk = Buffer.alloc(1024 * 1024, '{"plate":"粤A12345"}\n')

  /** Sends a 64 MB body as fast as the server takes it; what it answered, how fast, and how much it took. */
  const flood = (path: string, headers: Record<string, string>) => new Promise<{ head: string, ms: number, written: number }>((resolve, reject) => {
    const started = Date.now()
    let answer = ''
    let written = 0
    let ms = 0
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: ${total}\r\n\r\n`)
      const pump = () => {
        while (written < total && !socket.destroyed) {
          written += chunk.length
          if (!socket.write(chunk)) { socket.once('drain', pump); return }
        }
      }
      pump()
    })
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => { if (!answer) ms = Date.now() - started; answer += data })
    socket.on('error', () => {})
    socket.on('close', () => answer ? resolve({ head: answer.split('\r\n')[0]!, ms, written }) : reject(new Error('no answer')))
  })

  for (const [path, headers] of [
    ['/v1/public/licences/verify', { 'content-type': 'application/x-ndjson' }],
    ['/v1/licences/driver-lookup', { 'content-type': 'application/x-ndjson', authorization: `Bearer ${guangzhou.key}` }],
    ['/v1/licences', { 'content-type': 'text/csv', authorization: `Bearer ${guangzhou.key}` }],
    ['/v1/licence-imports', { 'content-type': 'application/json', authorization: `Bearer ${guangzhou.key}` }]
  ] as const) {
    const { head, ms, written } = await flood(path, headers)
    t.equal(head, 'HTTP/1.1 415 Unsupported Media Type', `${path} as ${headers['content-type']}`)
    t.ok(ms < 15000, `answered in ${ms} ms, before the body was read`)
    t.ok(written < total / 2, `the connection closed after ${Math.round(written / 1024 / 1024)} of 64 MB`)
  }
})

t.test('a body that does not arrive within REQUEST_TIMEOUT_MS is cut off and logged as too slow, not as a client abort', async (t) => {
  const { app, log } = await loggedTestApp(t, { REQUEST_TIMEOUT_MS: 1000 })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const started = Date.now()
  let answer = ''
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('POST /v1/public/licences/verify HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"plate":'))
    socket.setEncoding('utf8')
    socket.on('data', (data: string) => { answer += data }).on('error', () => {}).on('close', () => resolve())
  })
  t.ok(Date.now() - started < 5000, 'the connection is closed after the deadline')
  t.equal(answer.split('\r\n')[0], 'HTTP/1.1 408 Request Timeout', 'answered 408 before it is closed')
  t.match(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), { code: 'request_timeout', instance: '/v1/public/licences/verify', requestId: String })
  t.match(answer, /x-content-type-options: nosniff/)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.match(log.find((l) => l.code === 'request_timeout'), { level: 30, msg: 'request refused' })
  t.notOk(log.some((l) => l.msg === 'request aborted by the client' || (l.level as number) >= 50), 'neither an abort nor an error')
})
