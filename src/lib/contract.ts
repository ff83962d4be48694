import { Type } from 'typebox'
import { sentHeaders } from './schemas.js'

// What an operation can answer, derived from what its route declares: the statuses its own logic
// sends (problemResponses), and those that follow from its features (a body, an Idempotency-Key,
// If-Match, path parameters, an access rule). The OpenAPI document and the contract test read this.

/** The response headers the API sends, as the document's reusable components. */
export const responseHeaders = {
  'X-Request-Id': { description: 'The request id (the caller’s own x-request-id when it is safe to echo); it is in every log line of the request', required: true, schema: Type.String({ examples: ['4b3a2f6e-9c1d-4e2a-8f3b-7d6c5e4a3b2c'] }) },
  'RateLimit-Limit': { description: 'Requests allowed in the current one-minute window (per key, or per address without one)', required: true, schema: Type.Integer({ minimum: 1, examples: [1200] }) },
  'RateLimit-Remaining': { description: 'Requests left in the current window', required: true, schema: Type.Integer({ minimum: 0, examples: [1187] }) },
  'RateLimit-Reset': { description: 'Seconds until the window resets', required: true, schema: Type.Integer({ minimum: 0, examples: [42] }) },
  'Retry-After': { description: 'Seconds to wait before retrying', required: true, schema: Type.Integer({ minimum: 0, examples: [5] }) },
  'WWW-Authenticate': { description: 'The scheme to authenticate with', required: true, schema: Type.String({ examples: ['Bearer realm="platform-oversight"'] }) },
  ETag: { description: 'The version of the resource (a version number, or for reference data a digest), quoted; send it back as If-Match to change it, or as If-None-Match to revalidate', required: true, schema: Type.String({ pattern: '^"[!#-~]+"$', examples: ['"3"'] }) },
  Location: { description: 'The path of the resource created or changed', required: true, schema: Type.String({ examples: ['/v1/licences/0b8f2c3e-5d4a-4f6b-9e1c-2a3b4c5d6e7f'] }) },
  'Idempotent-Replayed': { description: 'Present, `true`, when this answer is the replay of an earlier request with the same Idempotency-Key', required: false, schema: Type.String({ enum: ['true'] }) }
} as const

export type ResponseHeader = keyof typeof responseHeaders

const limitHeaders: ResponseHeader[] = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']

/** Why an operation can fail; several reasons may share one status. */
const reasons = {
  bad_request: { status: 400, name: 'BadRequest', description: 'Bad request: malformed JSON, a schema violation, a bad cursor, a domain rule (an invalid USCC, plate, VIN or ID number), or credentials in the query string', headers: [] },
  unauthorized: { status: 401, name: 'Unauthorized', description: 'No API key where one is needed, or one that is unknown, revoked or expired', headers: ['WWW-Authenticate'] },
  forbidden: { status: 403, name: 'Forbidden', description: 'Your role may not do this (the x-roles of the operation say who may), or it is outside your jurisdiction', headers: [] },
  not_found: { status: 404, name: 'NotFound', description: 'No such resource, or one you may not see (both answer alike)', headers: [] },
  request_timeout: { status: 408, name: 'RequestTimeout', description: 'The request did not arrive whole in time (REQUEST_TIMEOUT_MS), or a bulk import arrived slower than IMPORT_MIN_BYTES_PER_MINUTE', headers: [] },
  conflict: { status: 409, name: 'Conflict', description: 'Conflict with the current state; the problem’s `code` says which (a value already taken, an impossible status change)', headers: [] },
  in_flight: { status: 409, name: 'IdempotencyInFlight', description: 'A request with this Idempotency-Key is still being processed; retry after Retry-After seconds', headers: ['Retry-After'] },
  precondition_failed: { status: 412, name: 'PreconditionFailed', description: 'The If-Match ETag is stale or names no version: read the resource again', headers: [] },
  payload_too_large: { status: 413, name: 'PayloadTooLarge', description: 'The body is larger than BODY_LIMIT_BYTES', headers: [] },
  uri_too_long: { status: 414, name: 'UriTooLong', description: 'A path segment is longer than any identifier', headers: [] },
  unsupported_media_type: { status: 415, name: 'UnsupportedMediaType', description: 'The body’s Content-Type is not the one this operation takes (application/json unless it says otherwise)', headers: [] },
  unprocessable: { status: 422, name: 'Unprocessable', description: 'Well-formed, but it names something unknown or not yours to name', headers: [] },
  key_reused: { status: 422, name: 'IdempotencyKeyReused', description: 'This Idempotency-Key was already used with a different request', headers: [] },
  precondition_required: { status: 428, name: 'PreconditionRequired', description: 'This change needs If-Match with the ETag of your last read', headers: [] },
  rate_limited: { status: 429, name: 'TooManyRequests', description: 'Rate limit exceeded; retry after Retry-After seconds', headers: ['Retry-After'] },
  headers_too_large: { status: 431, name: 'HeadersTooLarge', description: 'The request headers are larger than allowed', headers: [] },
  internal: { status: 500, name: 'InternalError', description: 'Internal error (details are logged with the request id, not sent)', headers: [] },
  unavailable: { status: 503, name: 'ServiceUnavailable', description: 'The database is unavailable or timed out, or the instance is at capacity; retry after Retry-After seconds', headers: ['Retry-After'] }
} as const satisfies Record<string, { status: number, name: string, description: string, headers: ResponseHeader[] }>

export type FailureReason = keyof typeof reasons

/** The failure reason a route declares by status through problemResponses. */
export const declaredReason: Record<number, FailureReason> = {
  400: 'bad_request', 404: 'not_found', 409: 'conflict', 412: 'precondition_failed', 413: 'payload_too_large', 415: 'unsupported_media_type', 422: 'unprocessable', 428: 'precondition_required', 503: 'unavailable'
}

/** What the contract needs to know of a route. */
export interface RouteFeatures {
  /** The route sits under /v1 and so is authenticated, throttled and access-checked. */
  api: boolean
  /** Its access rule admits anonymous callers. */
  public: boolean
  body: boolean
  /** The body is read as a stream (a bulk import): no size limit; a minimum rate instead of a deadline. */
  streaming: boolean
  pathParams: boolean
  idempotencyKey: boolean
  ifMatch: boolean
  ifNoneMatch: boolean
  /** The route cannot fail (liveness): it touches nothing that can. */
  infallible: boolean
  /** Statuses the route's own logic sends. */
  declared: number[]
}

/** Every failure reason of an operation, from its features. */
export function failureReasons (f: RouteFeatures): FailureReason[] {
  const out = new Set<FailureReason>(['bad_request', 'headers_too_large'])
  for (const status of f.declared) {
    const reason = declaredReason[status]
    if (reason) out.add(reason)
  }
  if (!f.infallible) { out.add('internal'); out.add('unavailable') }
  if (f.api) { out.add('unauthorized'); out.add('rate_limited') }
  if (f.api && !f.public) out.add('forbidden')
  if (f.body) { out.add('unsupported_media_type'); out.add('request_timeout') }
  if (f.body && !f.streaming) out.add('payload_too_large')
  if (f.pathParams) out.add('uri_too_long')
  if (f.idempotencyKey) { out.add('in_flight'); out.add('key_reused') }
  if (f.ifMatch) { out.add('precondition_failed'); out.add('precondition_required') }
  return [...out]
}

export interface ProblemResponse {
  /** The name of the response in #/components/responses. */
  name: string
  status: number
  description: string
  /** Headers always sent, and those sent only for some of the reasons. */
  headers: ResponseHeader[]
  sometimes: ResponseHeader[]
}

/**
 * The problem responses of an operation, one per status: reasons that share a status share one
 * response component, named after them (ConflictOrIdempotencyInFlight).
 */
export function problemResponsesOf (f: RouteFeatures): ProblemResponse[] {
  const byStatus = new Map<number, Array<typeof reasons[FailureReason]>>()
  for (const reason of failureReasons(f)) {
    const r = reasons[reason]
    byStatus.set(r.status, [...(byStatus.get(r.status) ?? []), r])
  }
  // Answers given before a route is matched (431, 414, 408) are never throttled; everything a /v1 route answers is.
  const beforeRouting = (status: number) => status === 431 || status === 414 || status === 408
  const throttled = (status: number) => f.api && !beforeRouting(status)
  return [...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, rs]) => {
    const all = rs.map((r) => r.headers as readonly ResponseHeader[])
    const always = [...new Set(all.flat())].filter((h) => all.every((hs) => hs.includes(h)))
    const sometimes = [...new Set(all.flat())].filter((h) => !always.includes(h))
    return {
      name: rs.map((r) => r.name).join('Or') + (f.api || beforeRouting(status) ? '' : 'Unthrottled'),
      status,
      description: rs.map((r) => r.description).join('; or '),
      headers: ['X-Request-Id', ...(throttled(status) ? limitHeaders : []), ...always],
      sometimes
    }
  })
}

/** The headers of a success answer of an operation, beyond those it declares itself (ETag, Location). */
export function successHeaders (f: RouteFeatures, declared: ResponseHeader[]): { headers: ResponseHeader[], sometimes: ResponseHeader[] } {
  return {
    headers: ['X-Request-Id', ...(f.api ? limitHeaders : []), ...declared],
    sometimes: f.idempotencyKey ? ['Idempotent-Replayed'] : []
  }
}

// ---- The document: routes' features in, components and references out ----

export interface ObjectSchema { type?: string, properties?: Record<string, { default?: unknown }>, required?: string[] }

interface RouteLike { url: string, method?: string | string[], config?: unknown, schema?: { body?: unknown, params?: unknown, headers?: unknown, response?: unknown } }

export type Contracts = Map<string, { features: RouteFeatures, successes: Record<string, ResponseHeader[]> }>

/** The features of a route that decide what it can answer. */
export function featuresOf (route: RouteLike): RouteFeatures {
  const access = (route.config as { access?: readonly string[] } | undefined)?.access
  const schema = route.schema ?? {}
  const headers = (schema.headers as ObjectSchema | undefined)?.properties ?? {}
  const declared = Object.keys((schema.response as object | undefined) ?? {}).map(Number).filter((s) => s >= 400)
  return {
    api: route.url.startsWith('/v1'),
    public: access?.includes('public') ?? false,
    // A POST or PATCH without a body schema still reads a body a caller sends, and refuses the wrong type.
    body: schema.body !== undefined || [route.method ?? []].flat().some((m) => ['POST', 'PUT', 'PATCH'].includes(m)),
    streaming: (route.config as { streamingBody?: unknown } | undefined)?.streamingBody !== undefined,
    pathParams: schema.params !== undefined,
    idempotencyKey: 'idempotency-key' in headers,
    ifMatch: 'if-match' in headers,
    ifNoneMatch: 'if-none-match' in headers,
    infallible: !declared.includes(500),
    declared
  }
}

/** The headers each success response of a route declares it sends (described(…, headers)). */
export function successHeadersOf (responses: Record<string, object> = {}): Record<string, ResponseHeader[]> {
  const out: Record<string, ResponseHeader[]> = {}
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400) out[status] = (response as { [sentHeaders]?: ResponseHeader[] })[sentHeaders] ?? []
  }
  return out
}

/**
 * A query parameter with a default is not the caller's to send: the document must not call it
 * required (a generated client would insist on it, and a validating proxy refuse calls without).
 */
export function withDefaultsOptional<T extends ObjectSchema> (schema: T): T {
  if (!schema.required) return schema
  const required = schema.required.filter((name) => schema.properties?.[name]?.default === undefined)
  return { ...schema, required }
}

export interface OpenapiDocument {
  paths: Record<string, Record<string, { operationId?: string, responses: Record<string, unknown> }>>
  components: Record<string, Record<string, unknown>>
}

const headerRef = (name: ResponseHeader) => ({ $ref: `#/components/headers/${name}` })

function headerObjects (headers: ResponseHeader[], sometimes: ResponseHeader[]) {
  const out: Record<string, unknown> = {}
  for (const name of headers) out[name] = headerRef(name)
  // Sent only for some of the reasons a response stands for: the same header, not required.
  for (const name of sometimes) {
    const { description, schema } = responseHeaders[name]
    out[name] = responseHeaders[name].required ? { description: `${description} (only for some of the reasons above)`, required: false, schema } : headerRef(name)
  }
  return out
}

/** Puts every operation's problem answers behind shared response components, and its headers behind header components. */
export function withResponseComponents (document: OpenapiDocument, contracts: Contracts): OpenapiDocument {
  const responses: Record<string, unknown> = {}
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      const contract = contracts.get(String(operation.operationId))
      if (!contract) continue
      const answers: Record<string, unknown> = {}
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400) continue
        const declared = contract.successes[status] ?? []
        const { headers, sometimes } = successHeaders(contract.features, status === '304' ? ['ETag'] : declared)
        answers[status] = { ...(response as object), headers: headerObjects(headers, status === '304' ? [] : sometimes) }
      }
      for (const problem of problemResponsesOf(contract.features)) {
        responses[problem.name] ??= {
          description: problem.description,
          headers: headerObjects(problem.headers, problem.sometimes),
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
        }
        answers[problem.status] = { $ref: `#/components/responses/${problem.name}` }
      }
      operation.responses = answers
    }
  }
  const headers = Object.fromEntries(Object.entries(responseHeaders).map(([name, { description, required, schema }]) => [name, { description, required, schema }]))
  document.components = { ...document.components, responses: sortedByKey(responses), headers }
  return document
}

function sortedByKey<T> (record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
}
