import { Type, type Static } from 'typebox'
import { StringEnum } from './typebox.js'

// The catalogue: every problem the API can answer with. `code` is stable; clients branch on it.
export const catalogue = {
  validation_failed: { status: 400, title: 'The request does not match the schema' },
  malformed_json: { status: 400, title: 'The body is not valid JSON' },
  invalid_uscc: { status: 400, title: 'The Unified Social Credit Code is not valid' },
  invalid_plate: { status: 400, title: 'The plate is not valid under GA 36' },
  invalid_vin: { status: 400, title: 'The vehicle identification number is not valid' },
  invalid_resident_id: { status: 400, title: 'The resident ID number is not valid under GB 11643' },
  invalid_validity: { status: 400, title: 'The validity dates are not possible' },
  invalid_order_times: { status: 400, title: 'The order’s times are not possible' },
  invalid_ipc_value: { status: 400, title: 'A value does not follow the national data interface’s conventions' },
  invalid_cursor: { status: 400, title: 'The cursor is not one this list issued' },
  bad_request: { status: 400, title: 'The request cannot be processed' },
  empty_import: { status: 400, title: 'The import holds no line' },
  request_aborted: { status: 400, title: 'The client closed the connection before its request arrived whole' },
  personal_data_in_url: { status: 400, title: 'A resident ID number never goes in a URL; send it in a request body' },
  personal_data_not_allowed: { status: 400, title: 'This field may not hold personal data (a resident ID number)' },
  credentials_in_query: { status: 400, title: 'Credentials belong in the Authorization header, never in the URL' },
  unauthenticated: { status: 401, title: 'This route needs an API key: Authorization: Bearer <key>' },
  invalid_api_key: { status: 401, title: 'The API key is not valid' },
  api_key_revoked: { status: 401, title: 'The API key has been revoked' },
  api_key_expired: { status: 401, title: 'The API key has expired' },
  forbidden: { status: 403, title: 'Your role may not do this' },
  outside_jurisdiction: { status: 403, title: 'That is outside your jurisdiction' },
  company_mismatch: { status: 403, title: 'The data names another company than your key’s enterprise' },
  not_found: { status: 404, title: 'No such resource' },
  route_not_found: { status: 404, title: 'No such route' },
  uscc_already_registered: { status: 409, title: 'An enterprise with this USCC is already registered' },
  company_id_taken: { status: 409, title: 'Another enterprise holds this national CompanyId' },
  agency_name_taken: { status: 409, title: 'An agency with this name already exists in the jurisdiction' },
  licence_number_taken: { status: 409, title: 'A licence of this type with this number already exists in the jurisdiction' },
  invalid_status_transition: { status: 409, title: 'The status cannot change that way' },
  idempotency_request_in_flight: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  import_superseded: { status: 409, title: 'Another request took this import over' },
  audit_chain_broken: { status: 409, title: 'The audit chain does not extend its last checkpoint, so its head is not signed' },
  audit_trail_empty: { status: 409, title: 'The audit trail holds no event to sign yet' },
  import_already_running: { status: 409, title: 'Your agency or enterprise already has an import running' },
  order_conflict: { status: 409, title: 'An order with this id was already submitted with other content' },
  roster_entry_exists: { status: 409, title: 'This vehicle or driver is already on your roster in the city' },
  roster_entry_not_in_service: { status: 409, title: 'This vehicle or driver is not on your roster in the city' },
  request_timeout: { status: 408, title: 'The request did not arrive whole in time' },
  precondition_failed: { status: 412, title: 'The resource has changed since the given ETag' },
  payload_too_large: { status: 413, title: 'The body is larger than allowed' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  uri_too_long: { status: 414, title: 'A path segment is too long' },
  method_not_allowed: { status: 405, title: 'This path does not take that method' },
  unknown_jurisdiction: { status: 422, title: 'The jurisdiction code is not a known GB/T 2260 division' },
  invalid_issuing_agency: { status: 422, title: 'The issuing agency is not a transport agency of the licence’s jurisdiction' },
  unknown_enterprise: { status: 422, title: 'No such enterprise' },
  jurisdiction_not_a_city: { status: 422, title: 'The division is not a city or within one' },
  not_operating_here: { status: 422, title: 'Your enterprise is not registered as operating there' },
  order_not_matched: { status: 422, title: 'No order with this id was received (matched) before' },
  unknown_key_holder: { status: 422, title: 'The agency or enterprise the key is for does not exist' },
  idempotency_key_reused: { status: 422, title: 'This Idempotency-Key was used with a different request' },
  precondition_required: { status: 428, title: 'This change needs an If-Match header' },
  rate_limited: { status: 429, title: 'Too many requests; slow down' },
  headers_too_large: { status: 431, title: 'The request headers are larger than allowed' },
  internal_error: { status: 500, title: 'Internal error' },
  database_unavailable: { status: 503, title: 'The database is unavailable; retry later' },
  service_unavailable: { status: 503, title: 'The service is unavailable; retry later' }
} as const

export type ProblemCode = keyof typeof catalogue

export const problemTypeBase = 'https://platform-oversight.example/problems/'

export const ProblemDetailSchema = Type.Object({
  in: StringEnum(['body', 'query', 'path', 'header'], { description: 'Which part of the request' }),
  pointer: Type.String({ description: 'RFC 6901 JSON pointer into that part; for query, path and header, `/` and the parameter name' }),
  code: Type.String({ description: 'Stable code of this one failure, e.g. `required`, `unknown_field`, `uscc_check_character`' }),
  message: Type.String({ description: 'What is wrong, for a human' })
}, { $id: 'ProblemDetail', additionalProperties: false })

export type ProblemDetail = Static<typeof ProblemDetailSchema>

export const ProblemSchema = Type.Object({
  type: Type.String({ description: 'URI identifying the problem type' }),
  title: Type.String({ description: 'Short summary of the problem type' }),
  status: Type.Integer({ description: 'HTTP status code' }),
  detail: Type.String({ description: 'What went wrong with this request' }),
  code: StringEnum(Object.keys(catalogue) as ProblemCode[], { description: 'Stable machine-readable problem code' }),
  instance: Type.String({ description: 'The request path' }),
  requestId: Type.String({ description: 'The x-request-id of the request, for support' }),
  errors: Type.Optional(Type.Array(Type.Ref('ProblemDetail'), { description: 'Each failure, with where it is' })),
  existing: Type.Optional(Type.String({ description: 'For conflicts: the path of the resource that already holds the value' })),
  currentStatus: Type.Optional(Type.String({ description: 'For status transitions: the current status' })),
  retryAfterSeconds: Type.Optional(Type.Integer({ description: 'For 503: also sent as Retry-After' }))
}, { $id: 'Problem', description: 'RFC 9457 problem details', additionalProperties: true })

export type Problem = Static<typeof ProblemSchema>

/** A problem to answer with: thrown anywhere, rendered once by the root error handler. */
export class ProblemError extends Error {
  readonly status: number
  constructor (
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: { errors?: ProblemDetail[], existing?: string, currentStatus?: string, retryAfterSeconds?: number } = {}
  ) {
    super(detail)
    this.name = 'ProblemError'
    this.status = catalogue[code].status
  }
}

export function notFound (what: string, id: string): ProblemError {
  return new ProblemError('not_found', `No ${what} with id ${id}`)
}

/** A refusal of one field of a body, as a value: what a rule returns, and an import reports as a line's error, rather than throws. */
export interface FieldFailure { code: ProblemCode, errors: ProblemDetail[] }

export function fieldFailure (code: ProblemCode, pointer: string, detailCode: string, message: string): { failure: FieldFailure } {
  return { failure: { code, errors: [{ in: 'body', pointer, code: detailCode, message }] } }
}

/** One bad field in the body: the common case of a domain rule that a schema cannot state. */
export function invalidField (code: ProblemCode, pointer: string, detailCode: string, message: string, where: ProblemDetail['in'] = 'body'): ProblemError {
  return new ProblemError(code, message, { errors: [{ in: where, pointer, code: detailCode, message }] })
}
