import { Type, type Static, type TSchema } from 'typebox'
import type { ResponseHeader } from './contract.js'

// Shapes shared by every resource: pages, headers, timestamps, error responses.

import { Nullable, StringEnum } from './typebox.js'
export { Nullable, StringEnum, TaggedObject, TaggedUnion } from './typebox.js'

/** The headers a success answer sends besides those every answer does (ETag, Location), for the document. */
export const sentHeaders = Symbol('sentHeaders')

/** A success response: its schema with the description the OpenAPI document shows, and the headers it sends. */
export function described<T extends object> (description: string, schema: T, headers: ResponseHeader[] = []): T & { description: string } {
  return { ...schema, description, [sentHeaders]: headers }
}

export const Timestamp = (description: string) => Type.String({ format: 'date-time', description })
/**
 * Years 1900–2199: a year PostgreSQL cannot store (0000), or one no record of this service holds,
 * is refused with a pointer rather than by the database. A standard `pattern` on the year, so
 * every tool reads the range; the errors plugin names its two ends format_minimum and format_maximum.
 */
export const calendarYears = '^(19|2[01])[0-9]{2}-'
export const CalendarDate = (description: string) => Type.String({ format: 'date', pattern: calendarYears, description })
// The pattern as well: ajv's uuid format also accepts a urn:uuid: prefix, which PostgreSQL refuses.
export const Uuid = (description: string) => Type.String({ format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description })
// No example here: Swagger UI's "Try it out" sends a filter's example unasked; the objects carry theirs.
export const JurisdictionCode = (description: string) => Type.String({ pattern: '^[0-9]{6}$', description })

/** A resource's version: its ETag is this number in quotes. */
export const Version = Type.Integer({ minimum: 1, description: 'Increases with every change; the ETag is this number in quotes' })

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Items per page (1–200)' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The `nextCursor` of the previous page; opaque' }))
}

/** The query of a list that has no filters: a page size and a cursor. */
export const PageOnlyQuery = Type.Object(PageQuery, { additionalProperties: false })

/** A page of items; `example` is one item, shown as a page of one with a next cursor. */
export function Page<T extends TSchema> (item: T, description: string, example: Record<string, unknown>) {
  return Type.Object({
    items: Type.Array(item, { description }),
    nextCursor: Nullable(Type.String(), { description: 'Pass as `cursor` for the next page; null on the last page' })
  }, { additionalProperties: false, examples: [{ items: [example], nextCursor: exampleCursor }] })
}

/** What a cursor looks like: opaque to the client. */
export const exampleCursor = 'eyJsIjoibGljZW5jZXMiLCJrIjpbIjAxOTNlNWEwIl19.k3VxQ2n8RZ6pYw1tC5mH0A'

export const IdParams = Type.Object({ id: Uuid('Resource id') }, { additionalProperties: false })

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x21-\\x7E]+$',
    description: 'Unique key for this create; a retry with the same key and body replays the first answer for 24 hours'
  }))
})

// Required: a missing one is answered 428 (precondition_required), not as a schema failure.
export const IfMatchHeaders = Type.Object({
  'if-match': Type.String({ maxLength: 256, description: 'The ETag last read (428 without it, 412 when stale)' })
})

export const IfMatchIdempotencyHeaders = Type.Object({ ...IfMatchHeaders.properties, ...IdempotencyHeaders.properties })

export const IfNoneMatchHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ maxLength: 1024, description: 'An ETag held; 304 when it is still current' }))
})

/** Every warning an answer can carry; a new one is added here, so the document lists it. */
export const warningCodes = [
  'jurisdiction_superseded',
  'uscc_organisation_code_mismatch',
  'enterprise_not_operating_here',
  'enterprise_sector_mismatch',
  'plate_from_elsewhere'
] as const

export const Warning = Type.Object({
  code: StringEnum(warningCodes, { description: 'jurisdiction_superseded (an abolished code was recorded as its successor), uscc_organisation_code_mismatch (the embedded organisation code fails its own check), enterprise_not_operating_here, enterprise_sector_mismatch, plate_from_elsewhere (a plate of another city)' }),
  pointer: Type.String({ description: 'JSON pointer to the field concerned' }),
  message: Type.String({ description: 'What was noticed' })
}, { additionalProperties: false })

export type WarningApi = Static<typeof Warning>

export const problemContent = { 'application/problem+json': { schema: Type.Ref('Problem') } }

// Only what a route's own logic decides; src/lib/contract.ts adds what follows from its features
// (a body: 408, 413, 415; If-Match: 412, 428; an Idempotency-Key: 409, 422; …) and documents each
// status once as a shared response with the full description.
const statusDescriptions: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  409: 'Conflict with the current state',
  422: 'Well-formed but refers to something unknown',
  500: 'Internal error',
  503: 'Unavailable'
}

/** Response schemas for the error statuses a route's own logic sends; 400, 500 and 503 always apply. */
export function problemResponses (...statuses: Array<404 | 409 | 422>) {
  const responses: Record<number, unknown> = {}
  for (const status of [...new Set<number>([400, 500, 503, ...statuses])].sort()) {
    responses[status] = { description: statusDescriptions[status], content: problemContent }
  }
  return responses
}

export const NotModified = { 304: { description: 'Not modified: the If-None-Match ETag is current', type: 'null' } }
