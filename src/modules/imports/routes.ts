import type { FastifyInstance } from 'fastify'
import type { Role } from '../../auth/principal.js'
import { described, IdempotencyHeaders, IdParams, PageOnlyQuery, problemResponses } from '../../lib/schemas.js'
import type { ImportDefinition } from './engine.js'
import { importReceiver, type ImportRouteOptions } from './receive.js'
import { findImport, firstErrors, importToApi, listImportErrors, listImports } from './resource.js'
import { ImportErrorPage, ImportListQuery, ImportPage } from './schemas.js'

/** How one kind's import routes are named and documented. */
export interface ImportRoutesDoc {
  /** The collection under /v1, e.g. 'licence-imports'. */
  path: string
  tags: string[]
  /** Who sends this kind; who reads its imports (and what they see of them). */
  senders: readonly Role[]
  readers: readonly Role[]
  whoSees: string
  /** The named schema of one line, and a line in words. */
  line: string
  lineDescription: string
  /** Operation ids: the import, the list, one import, its refused lines. */
  operations: { send: string, list: string, get: string, errors: string }
  summary: string
  /** What the import does and what its lines are, before what every import shares. */
  about: string
  /** Who runs one import at a time. */
  tenant: string
}

/**
 * The four routes of a kind of bulk import: the streaming import itself, the list of imports,
 * one import with its first refused lines, and all its refused lines. Every kind shares their
 * behaviour and most of their words; each says what its lines are.
 */
export function importRoutes<Input, Row, Staged> (app: FastifyInstance, definition: ImportDefinition<Input, Row, Staged>, opts: ImportRouteOptions, doc: ImportRoutesDoc) {
  const collection = `/v1/${doc.path}`
  app.post(`/${doc.path}`, {
    // An import body is read as a stream, line by line, never whole: no body limit applies to it.
    config: { access: doc.senders, streamingBody: { contentType: 'application/x-ndjson', line: doc.line, description: doc.lineDescription } },
    schema: {
      operationId: doc.operations.send,
      tags: doc.tags,
      summary: doc.summary,
      description: [
        doc.about,
        'Lines are read as they arrive and applied in batches; valid lines land, refused ones are reported with their line number, pointer and code. Up to IMPORT_MAX_LINES lines (5,000,000 by default) of at most 16 KiB each; blank lines are skipped. A body with no line is refused (empty_import) and writes nothing.',
        `Progress: the import is a resource; while the request streams, find it with GET ${collection}?idempotencyKey=… and poll its counts.`,
        'Send an Idempotency-Key: if the connection drops, send the same body with the same key and the import continues: a line already applied is counted, never applied twice. Once completed, the same key and body replay the result; another body is a 422.',
        `${doc.tenant} runs one import at a time (another is a 409 import_already_running) and an instance IMPORT_MAX_CONCURRENT (503); a sender slower than IMPORT_MIN_BYTES_PER_MINUTE is cut off, its committed batches kept for a retry.`
      ].join('\n\n'),
      headers: IdempotencyHeaders,
      response: {
        200: described('Completed by this request continuing an interrupted import (a retry), or the replay of such an answer', { $ref: 'Import' }, ['Location']),
        201: described('Completed by one request, or the replay of that answer (header idempotent-replayed); Location names the import', { $ref: 'Import' }, ['Location']),
        ...problemResponses(409, 422)
      }
    }
  }, importReceiver(app, definition, opts))

  app.get<{ Querystring: { limit: number, cursor?: string, status?: 'receiving' | 'completed' | 'interrupted', idempotencyKey?: string } }>(`/${doc.path}`, {
    config: { access: doc.readers },
    schema: {
      operationId: doc.operations.list,
      tags: doc.tags,
      summary: 'Bulk imports, newest first',
      description: doc.whoSees,
      querystring: ImportListQuery,
      response: { 200: described('A page of imports', ImportPage), ...problemResponses() }
    }
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    return listImports(app.db, definition.kind, request.principal, app.cursors, limit, cursor, filters)
  })

  app.get<{ Params: { id: string } }>(`/${doc.path}/:id`, {
    config: { access: doc.readers },
    schema: {
      operationId: doc.operations.get,
      tags: doc.tags,
      summary: 'One import: its counts so far and its first refused lines',
      params: IdParams,
      response: { 200: described('The import', { $ref: 'Import' }), ...problemResponses(404) }
    }
  }, async (request) => {
    const row = await findImport(app.db, definition.kind, request.params.id, request.principal)
    return importToApi(row, await firstErrors(app.db, row.id))
  })

  app.get<{ Params: { id: string }, Querystring: { limit: number, cursor?: string } }>(`/${doc.path}/:id/errors`, {
    config: { access: doc.readers },
    schema: {
      operationId: doc.operations.errors,
      tags: doc.tags,
      summary: 'Every refused line of an import, in line order',
      params: IdParams,
      querystring: PageOnlyQuery,
      response: { 200: described('A page of refused lines', ImportErrorPage), ...problemResponses(404) }
    }
  }, async (request) => listImportErrors(app.db, definition.kind, request.params.id, request.principal, app.cursors, request.query.limit, request.query.cursor))
}
