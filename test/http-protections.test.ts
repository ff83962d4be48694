import t from 'tap'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { testApp } from './helpers/app.js'
import { actors, client } from './helpers/actors.js'
import { buildApp, loggerOptions } from '../src/app.js'
import { defaultConfig } from '../src/config.js'

t.test('rate limits: per key, and per address for anonymous callers and wrong keys', async (t) => {
  const app = await testApp(t, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: 3, RATE_LIMIT_PER_MINUTE: 5 })
  const { guangzhou, anonymous } = await actors(app)
  for (let i = 0; i < 3; i++) t.equal((await anonymous.inject({ url: '/v1/public/jurisdictions' })).statusCode, 200)
  const limited = await anonymous.inject({ url: '/v1/public/jurisdictions' })
  t.equal(limited.statusCode, 429)
  for (const probe of ['/healthz', '/readyz', '/metrics']) t.equal((await anonymous.inject({ url: probe })).statusCode, 200, `${probe} is never throttled`)
  t.equal(limited.json().code, 'rate_limited')
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.equal(limited.headers['ratelimit-remaining'], '0')

  const wrongKey = await client(app, 'poa_aaaaaaaaaaaa_' + 'A'.repeat(43)).inject({ url: '/v1/enterprises' })
  t.equal(wrongKey.statusCode, 429, 'guessing keys spends the address’s allowance')

  for (let i = 0; i < 5; i++) t.equal((await guangzhou.inject({ url: '/v1/enterprises' })).statusCode, 200, 'a key has its own allowance')
  t.equal((await guangzhou.inject({ url: '/v1/enterprises' })).statusCode, 429)
})

t.test('security headers suit a JSON API and the docs page; tenant answers are not shared-cached', async (t) => {
  const app = await testApp(t)
  const { guangzhou } = await actors(app)
  const api = await guangzhou.inject({ url: '/v1/enterprises' })
  t.equal(api.headers['x-content-type-options'], 'nosniff')
  t.equal(api.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'")
  t.match(api.headers['strict-transport-security'], /max-age=/)
  t.equal(api.headers['referrer-policy'], 'no-referrer')
  t.equal(api.headers['cache-control'], 'private, no-cache')
  const docs = await app.inject({ url: '/docs/' })
  t.match(docs.headers['content-security-policy'], /script-src 'self'/)
  const open = await app.inject({ url: '/v1/public/jurisdictions' })
  t.notOk(open.headers['cache-control'], 'public data may be cached')
  t.notOk(api.headers['access-control-allow-origin'], 'no CORS unless configured')
})

t.test('CORS answers configured origins only', async (t) => {
  const app = await testApp(t, { CORS_ORIGINS: 'https://portal.example, https://ops.example' })
  const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/enterprises', headers: { origin: 'https://portal.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,if-match' } })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], 'https://portal.example')
  t.match(preflight.headers['access-control-allow-headers'], /authorization/)
  const stranger = await app.inject({ url: '/v1/public/jurisdictions', headers: { origin: 'https://evil.example' } })
  t.notOk(stranger.headers['access-control-allow-origin'])
})

t.test('the log redacts keys and carries the request id on every request line', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
  const config = defaultConfig({ DATA_DIR: 'memory://', DEMO_DATA: false, LOG_LEVEL: 'info' })
  const app = await buildApp({ config, logger: { ...(loggerOptions(config) as object), stream } })
  t.teardown(() => app.close())
  const { guangzhou } = await actors(app)
  await guangzhou.inject({ url: '/v1/enterprises', headers: { 'x-request-id': 'log-test-1' } })
  const requestLines = lines.filter((l) => l.includes('log-test-1'))
  t.ok(requestLines.length >= 2, 'incoming and completed lines')
  t.ok(requestLines.every((l) => JSON.parse(l).reqId === 'log-test-1'))
  t.notMatch(lines.join(''), guangzhou.key!.slice(17), 'the key never reaches the log')
  await app.inject({ url: '/v1/public/licences/verify?type=driver_certificate&number=440106199001011234', headers: { 'x-request-id': 'log-test-2' } })
  const queried = lines.filter((l) => l.includes('log-test-2'))
  t.ok(queried.length >= 2)
  t.match(JSON.parse(queried[0]!).req, { method: 'GET', url: '/v1/public/licences/verify' })
  t.notMatch(queried.join(''), /440106199001011234|driver_certificate/, 'no query string value reaches the log')
  app.log.info({ driver: { idNumber: '440106199001011234', phone: '13812345678' } }, 'personal data')
  t.notMatch(lines.at(-1)!, /440106199001011234|13812345678/, 'personal data fields are redacted at the logger')
})

t.test('a request Node cannot parse still gets a problem: raw Chinese in a URL says to percent-encode it', async (t) => {
  const app = await testApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  /** Sends bytes as they are, as a hand-typed curl or a naive client would, and reads the answer. */
  const raw = (request: string) => new Promise<string>((resolve, reject) => {
    // Written, not ended: the server closes the connection once it has answered (Connection: close).
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let answer = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => { answer += chunk }).on('close', () => resolve(answer)).on('error', reject)
  })
  const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))

  const unencoded = await raw('GET /v1/public/licences/verify?plate=粤A12345 HTTP/1.1\r\nHost: x\r\n\r\n')
  t.match(unencoded, /^HTTP\/1\.1 400 Bad Request\r\n/)
  t.match(unencoded, /content-type: application\/problem\+json; charset=utf-8/i)
  t.match(problemOf(unencoded), { status: 400, code: 'bad_request', detail: /percent-encod.*%E7%B2%A4A12345/ })
  const requestId = /\r\nx-request-id: ([0-9a-f-]{36})\r\n/.exec(unencoded)?.[1]
  t.ok(requestId, 'it has a request id like every answer')
  t.equal(problemOf(unencoded).requestId, requestId)
  t.match(unencoded, /\r\nx-content-type-options: nosniff\r\n/)

  const huge = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nx-filler: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.match(huge, /^HTTP\/1\.1 431 /)
  t.match(problemOf(huge), { status: 431, code: 'headers_too_large' })

  const encoded = await raw(`GET /v1/public/licences/verify?plate=${encodeURIComponent('粤A12345')} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  t.match(encoded, /^HTTP\/1\.1 200 OK\r\n/, 'the same request percent-encoded is answered')
})
