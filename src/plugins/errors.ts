import fp from 'fastify-plugin'
import Router, { type HTTPMethod } from 'find-my-way'
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { catalogue, problemTypeBase, ProblemError, type ProblemCode, type ProblemDetail } from '../lib/problems.js'
import { isDatabaseUnavailable, isRefusedValue } from '../db/errors.js'
import { ifMatchRequired } from '../lib/preconditions.js'
import { apiPolicy, securityHeaders } from './http-headers.js'
import { calendarYears } from '../lib/schemas.js'

interface AjvError {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
  /** With ajv's verbose option: the value, the keyword's schema and the schema holding it. */
  data?: unknown
  schema?: unknown
  parentSchema?: { oneOf?: Array<{ properties?: Record<string, { const?: unknown }> }> }
}

const contexts: Record<string, ProblemDetail['in']> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' }

function snake (keyword: string): string {
  return keyword.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
}

function escapePointer (token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** Ajv's errors as pointers a client can act on. */
export function validationDetails (errors: AjvError[], context: string | undefined): ProblemDetail[] {
  const where = contexts[context ?? 'body'] ?? 'body'
  const details = errors
    .filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword) || errors.length === 1)
    .map((e): ProblemDetail => {
      if (e.keyword === 'required') {
        return { in: where, pointer: `${e.instancePath}/${escapePointer(String(e.params.missingProperty))}`, code: 'required', message: 'is required' }
      }
      if (e.keyword === 'discriminator') {
        // The tag of a union by type (a licence's `type`): missing, or none of the branches'.
        const pointer = `${e.instancePath}/${escapePointer(String(e.params.tag))}`
        if (e.params.tagValue === undefined) return { in: where, pointer, code: 'required', message: 'is required' }
        if (e.params.error === 'tag') return { in: where, pointer, code: 'type', message: 'must be string' }
        const tags = (e.parentSchema?.oneOf ?? []).map((branch) => branch.properties?.[String(e.params.tag)]?.const)
        return { in: where, pointer, code: 'enum', message: `must be one of: ${tags.join(', ')}` }
      }
      if (e.keyword === 'not' && typeof e.schema === 'object' && e.schema !== null && Object.keys(e.schema).length === 0) {
        // A field that a union branch names only to refuse it, e.g. a plate on a driver certificate.
        return { in: where, pointer: e.instancePath, code: 'not_allowed', message: 'does not belong on this type' }
      }
      if (e.keyword === 'pattern' && e.params.pattern === calendarYears) {
        const early = String(e.data) < '1900'
        return { in: where, pointer: e.instancePath, code: early ? 'format_minimum' : 'format_maximum', message: early ? 'must be 1900-01-01 or later' : 'must be 2199-12-31 or earlier' }
      }
      if (e.keyword === 'additionalProperties') {
        const message = where === 'query' ? 'is not a query parameter of this route' : 'is not accepted here (unknown, or not yours to set on this route)'
        return { in: where, pointer: `${e.instancePath}/${escapePointer(String(e.params.additionalProperty))}`, code: 'unknown_field', message }
      }
      return { in: where, pointer: e.instancePath || '', code: snake(e.keyword), message: e.message ?? 'is invalid' }
    })
  // Ajv repeats a failure once per union branch; one line per place and code is enough.
  const seen = new Set<string>()
  return details.filter((d) => {
    const key = `${d.in}${d.pointer}${d.code}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

const frameworkCodes: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json'
}

/** A body of a type this route does not take: say which one it does. */
export function unsupportedMediaType (expected: string): ProblemError {
  return new ProblemError('unsupported_media_type', `Send the body as ${expected}`, {
    errors: [{ in: 'header', pointer: '/content-type', code: 'unsupported_media_type', message: `must be ${expected}` }]
  })
}

function toProblem (error: FastifyError & { validationContext?: string }, retryAfter: number): ProblemError {
  if (error instanceof ProblemError) return error
  if (error.validation) {
    // If-Match is required by the schema, and its absence has its own status.
    if (error.validationContext === 'headers' && (error.validation as AjvError[]).some((e) => e.keyword === 'required' && e.params.missingProperty === 'if-match')) return ifMatchRequired()
    const errors = validationDetails(error.validation as AjvError[], error.validationContext)
    const first = errors[0]
    const detail = first ? `${first.in} ${first.pointer || '(root)'} ${first.message}` : 'The request does not match the schema'
    return new ProblemError('validation_failed', errors.length > 1 ? `${detail} (and ${errors.length - 1} more)` : detail, { errors })
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType('application/json (application/merge-patch+json for PATCH)')
  const known = frameworkCodes[error.code]
  if (known) return new ProblemError(known, error.message)
  if (error instanceof SyntaxError && error.statusCode === 400) return new ProblemError('malformed_json', error.message)
  if (isRefusedValue(error)) {
    return new ProblemError('bad_request', 'A value in the request cannot be stored or compared (for example a NUL character, or a date out of range)')
  }
  if (isDatabaseUnavailable(error)) {
    return new ProblemError('database_unavailable', 'The database did not answer in time; retry later', { retryAfterSeconds: retryAfter })
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new ProblemError('bad_request', error.message)
  }
  return new ProblemError('internal_error', 'An unexpected error occurred; it has been logged with the request id')
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, problem: ProblemError) {
  if (problem.extensions.retryAfterSeconds) reply.header('retry-after', String(problem.extensions.retryAfterSeconds))
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="platform-oversight"')
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: problemTypeBase + problem.code,
      title: catalogue[problem.code].title,
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      instance: request.url.split('?')[0],
      requestId: String(request.id),
      ...problem.extensions
    })
}

/**
 * A problem written straight to the socket, for requests that never became a Fastify request
 * (Node could not parse them) or that ran out of time: the same body, request id and security
 * headers as every other answer; the connection is closed after it.
 */
export function rawProblem (socket: Socket, code: ProblemCode, detail: string, instance: string, requestId: string = randomUUID()) {
  if (!socket.writable) return
  const { status, title } = catalogue[code]
  const body = JSON.stringify({ type: problemTypeBase + code, title, status, detail, code, instance, requestId })
  socket.write([
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/problem+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    ...Object.entries(securityHeaders).map(([name, value]) => `${name}: ${value}`),
    `content-security-policy: ${apiPolicy}`,
    'cache-control: no-store',
    'Connection: close',
    '',
    body
  ].join('\r\n'))
}

/**
 * Requests Node cannot parse never reach a route; they still get a problem, not Fastify's bare
 * JSON. The common one: a plate or licence number sent with raw Chinese characters in the URL.
 */
export function clientErrorProblem (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [code, detail]: [ProblemCode, string] = err.code === 'HPE_INVALID_URL'
    ? ['bad_request', 'The URL holds a character that must be percent-encoded: send non-ASCII characters as UTF-8 percent-encoding, e.g. plate=%E7%B2%A4A12345 for 粤A12345']
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', 'The request headers are larger than allowed']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request_timeout', 'The request did not arrive whole in time']
        : ['bad_request', 'The request is not valid HTTP']
  rawProblem(socket, code, detail, requestTarget(Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined))
  socket.destroy(err)
}

/** The path of the request line, when it can be read: the problem's instance. */
function requestTarget (packet: Buffer | undefined): string {
  const target = packet?.subarray(0, 2048).toString('latin1').split('\r\n', 1)[0]?.split(' ')[1]
  // Raw bytes Node refused are not echoed: only a printable ASCII path.
  return target && /^\/[!-~]*$/.test(target) ? target.split('?')[0]! : '/'
}

/** The router's own refusals (a malformed percent-encoding, an overlong path segment) as problems. */
export function routerProblem (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new ProblemError('uri_too_long', 'A path segment is longer than any identifier of this API')
    : new ProblemError('bad_request', 'The path holds a malformed percent-encoding: encode % as %25, and other bytes as UTF-8 %XX pairs', {
      errors: [{ in: 'path', pointer: '', code: 'malformed_percent_encoding', message: 'is not valid percent-encoding' }]
    })
  request.log.info({ code: problem.code }, 'request refused by the router')
  // No route means no hooks: the headers every answer carries are set here.
  reply.header('x-request-id', request.id).headers(securityHeaders).header('content-security-policy', apiPolicy).header('cache-control', 'no-store')
  return sendProblem(request, reply, problem)
}

/**
 * The client went away (or was cut off) before its body arrived whole. Reading the rest then fails
 * with ECONNRESET, which must not read as the database's: it is the client's doing, and nobody
 * is left to answer.
 */
export function clientGone (request: FastifyRequest): boolean {
  const raw = request.raw
  return raw.destroyed && raw.complete === false
}

export interface ErrorsOptions { retryAfterSeconds: number }

/** The root error handler: every failure leaves as RFC 9457 problem+json. */
export default fp<ErrorsOptions>(async function errors (app, opts) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (!(error instanceof ProblemError) && clientGone(request)) {
      request.log.info({ code: 'request_aborted' }, 'request aborted by the client')
      return sendProblem(request, reply, new ProblemError('request_aborted', 'The connection closed before the request arrived whole'))
    }
    const problem = toProblem(error, opts.retryAfterSeconds)
    // Refused before its body was read (a hook's 415, a 401): Node would otherwise read the rest,
    // however large, to keep the connection; closing it costs the client one reconnect.
    if (request.raw.complete === false) reply.header('connection', 'close')
    if (error instanceof ProblemError && problem.status === 503) {
      // Refused on purpose (the instance's import slots are taken, not ready yet): load, not a failure.
      request.log.warn({ code: problem.code, detail: problem.detail }, 'request refused: busy')
    } else if (problem.status >= 500) {
      request.log.error({ err: error, code: problem.code }, 'request failed')
    } else {
      request.log.info({ code: problem.code, detail: problem.detail }, 'request refused')
    }
    return sendProblem(request, reply, problem)
  })

  // Every route, by method, to tell a wrong method on an existing path (405 with Allow) from a wrong path.
  const paths = Router({ ignoreTrailingSlash: false })
  const methods = new Set<HTTPMethod>()
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat() as HTTPMethod[]) {
      if (paths.hasRoute(method, route.url)) continue
      paths.on(method, route.url, () => {})
      methods.add(method)
    }
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const allowed = [...methods].filter((method) => paths.find(method, path) !== null)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendProblem(request, reply, new ProblemError('method_not_allowed', `${path} does not take ${request.method}; it takes ${allowed.join(', ')}`))
    }
    return sendProblem(request, reply, new ProblemError('route_not_found', `No route ${request.method} ${path}`))
  })
}, { name: 'errors', fastify: '5.x' })
