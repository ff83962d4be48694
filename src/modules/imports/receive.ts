import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Database } from '../../db/client.js'
import type { ModuleOptions } from '../../lib/module.js'
import { ProblemError } from '../../lib/problems.js'
import { clientGone } from '../../plugins/errors.js'
import { runImport, type ImportDefinition } from './engine.js'
import { firstErrors, importPath, importSlots, importToApi, openImport } from './resource.js'

export interface ImportRouteOptions { auditTrail: boolean, maxImportLines: number, maxConcurrentImports: number, minImportBytesPerMinute: number }

/** A module's import route options, from the configuration. */
export function importOptions ({ config, auditTrail }: ModuleOptions): ImportRouteOptions {
  return { auditTrail, maxImportLines: config.IMPORT_MAX_LINES, maxConcurrentImports: config.IMPORT_MAX_CONCURRENT, minImportBytesPerMinute: config.IMPORT_MIN_BYTES_PER_MINUTE }
}

/** Takes a slot, retrying while the tenant's running import holds it, for up to `waitMs`. */
async function takeSlot<T> (take: () => T, waitMs: number): Promise<T> {
  const until = Date.now() + waitMs
  for (;;) {
    try {
      return take()
    } catch (err) {
      if (!(err instanceof ProblemError && err.code === 'import_already_running') || Date.now() >= until) throw err
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

// One instance's import slots, shared by every kind of import (one per database handle, so one per app).
const slotsOf = new WeakMap<Database, ReturnType<typeof importSlots>>()

/**
 * The handler of a streaming import route of any kind: takes an import slot, opens (or reopens,
 * under its Idempotency-Key) the import at the body's first line, runs the engine, and answers
 * with the import: 201 when one request delivered it, 200 after a retry went on with it, and a
 * replay of either with idempotent-replayed.
 */
export function importReceiver<Input, Row, Staged> (app: FastifyInstance, definition: ImportDefinition<Input, Row, Staged>, opts: ImportRouteOptions) {
  const receive = importRunner(app, opts)
  return async (request: FastifyRequest, reply: FastifyReply) => receive(definition, request, reply, request.body as Readable)
}

/** Runs an import of any kind from a body of lines (a request's stream, or the lines an envelope's records make), and answers with it. */
export function importRunner (app: FastifyInstance, opts: ImportRouteOptions) {
  let slots = slotsOf.get(app.db)
  if (!slots) slotsOf.set(app.db, slots = importSlots(opts.maxConcurrentImports))
  const held = slots
  return async <Input, Row, Staged>(definition: ImportDefinition<Input, Row, Staged>, request: FastifyRequest, reply: FastifyReply, body: Readable, options: { bodyTag?: string, waitMs?: number } = {}) => {
    const { bodyTag, waitMs = 0 } = options
    const key = request.headers['idempotency-key'] as string | undefined
    // Held while this request works on its import, whatever becomes of the connection. A short
    // import (an envelope of records) waits a little for its tenant's running one to end, rather
    // than being turned away at once: platforms push envelopes back to back.
    const slot = await takeSlot(() => held.take(request.principal, key), waitMs)
    try {
      const outcome = await runImport(definition, {
        db: app.db,
        registry: app.jurisdictions,
        principal: request.principal,
        hashPersonal: app.hashPersonal,
        requestId: request.id,
        auditTrail: opts.auditTrail,
        log: request.log,
        maxLines: opts.maxImportLines,
        minBytesPerMinute: opts.minImportBytesPerMinute,
        clientGone: () => clientGone(request),
        ...(bodyTag ? { bodyTag } : {})
      }, body, async () => {
        await definition.authorize(request.principal, app.db)
        const opened = await openImport(app.db, definition.kind, request.principal, key)
        slot.importId = opened.row.id
        slot.kind = definition.kind
        return opened
      })
      const { kind, row } = outcome
      if (kind === 'completed') reply.header('idempotent-replayed', 'true')
      const status = kind === 'completed' ? (row.attempts === 1 ? 201 : 200) : kind === 'new' ? 201 : 200
      return reply.code(status).header('location', importPath(definition.kind, row.id)).send(importToApi(row, await firstErrors(app.db, row.id)))
    } finally {
      held.release(slot)
    }
  }
}
