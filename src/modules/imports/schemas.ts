import { Type, type Static } from 'typebox'
import { example } from '../../lib/examples.js'
import { catalogue, type ProblemCode } from '../../lib/problems.js'
import { Nullable, StringEnum } from '../../lib/typebox.js'
import { Page, PageQuery, Timestamp, Uuid } from '../../lib/schemas.js'
import { importStatuses } from './table.js'

// The import resource, the same for every kind of bulk import.

const lineError = {
  line: 3,
  code: 'invalid_plate',
  errors: [{ in: 'body', pointer: '/plate', code: 'plate_character', message: 'plate 粤AO2345: the letters I and O are never used' }]
}

export const ImportLineErrorSchema = Type.Object({
  line: Type.Integer({ minimum: 1, description: 'Line number in the body, from 1' }),
  code: StringEnum(Object.keys(catalogue) as ProblemCode[], { description: 'The problem code the line would get as a single request, e.g. invalid_plate, licence_number_taken' }),
  errors: Type.Array(Type.Ref('ProblemDetail'), { description: 'Each failure, with its pointer into the line' })
}, { $id: 'ImportLineError', additionalProperties: false, examples: [lineError] })

const anImport = {
  id: example.importId,
  status: 'completed',
  idempotencyKey: 'gz-vehicles-2024-03-01',
  attempts: 1,
  lines: 1200,
  applied: 1199,
  rejected: 1,
  findings: {},
  startedAt: '2024-03-01T01:00:00.000Z',
  updatedAt: '2024-03-01T01:00:04.512Z',
  finishedAt: '2024-03-01T01:00:04.512Z',
  errors: [lineError]
}

export const ImportSchema = Type.Object({
  id: Uuid('Import id'),
  status: StringEnum(importStatuses, { description: 'receiving (lines still arriving), completed (every line read), interrupted (the connection ended early: retry with the same Idempotency-Key to finish)' }),
  idempotencyKey: Nullable(Type.String(), { description: 'The Idempotency-Key it was sent with' }),
  attempts: Type.Integer({ description: 'Requests that delivered this import (more than one after a retry)' }),
  lines: Type.Integer({ description: 'Lines read so far (blank lines are not counted)' }),
  applied: Type.Integer({ description: 'Lines applied (a licence entered into the register; a roster entry added, changed or taken off) by this import; a retry counts the lines an earlier attempt applied' }),
  rejected: Type.Integer({ description: 'Lines refused; see errors' }),
  findings: Type.Record(Type.String({ pattern: '^[a-z_]+$' }), Type.Integer({ minimum: 1 }), { description: 'What the data-quality checks of the Ministry’s spot checks found in this submission, counted by finding: for orders, zero_ride (applied: completed with a ride time of 0 and under 100 m), implausible_time (refused: a match, pick-up or pay time before 2010, such as 1970-01-01), completed_before_match (refused: picked up or dropped off before the match), conflicting_duplicate (refused: an order id sent again with other content). Empty when nothing was found, and for kinds without such checks' }),
  startedAt: Timestamp('When the first attempt started'),
  updatedAt: Timestamp('When the counts last changed'),
  finishedAt: Nullable(Timestamp('When it completed'), { description: 'null until completed' }),
  errors: Type.Optional(Type.Array(Type.Ref('ImportLineError'), { maxItems: 100, description: 'The first 100 refused lines, in the answer to the import and to GET of one import; every one is at the import’s /errors' }))
}, { $id: 'Import', additionalProperties: false, description: 'A bulk import: its state and counts, and its first refused lines', examples: [anImport] })

export type ImportApi = Static<typeof ImportSchema>

export const ImportErrorPage = Page(Type.Ref('ImportLineError'), 'Refused lines in line order', lineError)

export const ImportListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(StringEnum(importStatuses, { description: 'Only imports in this state' })),
  idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The import sent with this Idempotency-Key: find it while its request is still streaming' }))
}, { additionalProperties: false })

export const ImportPage = Page(Type.Ref('Import'), 'Imports, newest first', { ...anImport, errors: undefined })
