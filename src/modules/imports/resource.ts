import { and, asc, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import type { Principal } from '../../auth/principal.js'
import type { Database } from '../../db/client.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { notFound, ProblemError, type ProblemCode, type ProblemDetail } from '../../lib/problems.js'
import { uuidv7 } from '../../lib/uuid.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { importErrors, imports, type ImportKind, type ImportRow } from './table.js'

// A bulk import of any kind as a resource: opened (or reopened by a retry under its
// Idempotency-Key), its counts, its refused lines. Reading and applying its body is engine.ts;
// what the lines are, and where they go, is each kind's own (see ImportDefinition in engine.ts).

export const importLimits = {
  /**
   * Lines a batch holds: each batch is a transaction with its statements, its progress and its
   * audit event. At 5,000 rather than 2,000 a million orders were imported a sixth faster (19.8k
   * to 23.4k a second, `npm run bench:orders`); the two batches in memory keep the server at
   * 165 MB resident.
   */
  batchLines: 5000,
  maxLineBytes: 16 * 1024,
  /** A stalled import (its replica died) may be taken over by a retry after this long. */
  staleAfterMs: 60_000,
  /**
   * How often a live request says so, so that a slow sender is not taken for a dead one; and how
   * often it checks that its sender keeps up IMPORT_MIN_BYTES_PER_MINUTE.
   */
  heartbeatMs: 10_000,
  yieldEveryLines: 32
}

export interface ImportContext {
  db: Database
  registry: JurisdictionRegistry
  principal: Principal
  /** The personal-data keyed hash: for driver ID numbers, and for digests of bodies that hold them. */
  hashPersonal: (value: string) => string
  requestId: string
  auditTrail: boolean
  log: FastifyBaseLogger
  maxLines: number
  /** Below this, a sender is cut off (408) and its slot freed; 0 for no minimum. */
  minBytesPerMinute: number
  /** True once the client has gone (or was cut off) before its body ended: not the service's failure. */
  clientGone: () => boolean
  /** What the body is besides its bytes, when its lines alone do not say (an envelope's IPCType): part of what a retry must repeat. */
  bodyTag?: string
}

export interface LineError { line: number, code: ProblemCode | string, errors: ProblemDetail[] }

/** Where each kind's imports are found. */
const collections: Record<ImportKind, string> = { licences: '/v1/licence-imports', roster: '/v1/roster-imports', orders: '/v1/order-imports', complaints: '/v1/complaint-imports' }

export function importPath (kind: ImportKind, id: string): string {
  return `${collections[kind]}/${id}`
}

/** An import as the API shows it (the same shape for every kind). */
export interface ImportApi {
  id: string
  status: ImportRow['status']
  idempotencyKey: string | null
  attempts: number
  lines: number
  applied: number
  rejected: number
  findings: Record<string, number>
  startedAt: string
  updatedAt: string
  finishedAt: string | null
  errors?: LineError[]
}

export function importToApi (row: ImportRow, errors?: LineError[]): ImportApi {
  return {
    id: row.id,
    status: row.status,
    idempotencyKey: row.idempotencyKey,
    attempts: row.attempts,
    lines: row.lines,
    applied: row.applied,
    rejected: row.rejected,
    findings: row.findings,
    startedAt: row.startedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ...(errors ? { errors } : {})
  }
}

const nobody = '00000000-0000-0000-0000-000000000000'

/** Admin sees every import of a kind; a regulator its own agency's, a platform its own enterprise's. */
function visibleImports (kind: ImportKind, who: Principal): SQL {
  if (who.role === 'admin') return eq(imports.kind, kind)
  return and(eq(imports.kind, kind), who.role === 'platform' ? eq(imports.enterpriseId, who.enterpriseId ?? nobody) : eq(imports.agencyId, who.agencyId ?? nobody))!
}

export async function findImport (db: Database, kind: ImportKind, id: string, who: Principal): Promise<ImportRow> {
  const [row] = await db.select().from(imports).where(and(eq(imports.id, id), visibleImports(kind, who)))
  if (!row) throw notFound(`${{ licences: 'licence', roster: 'roster', orders: 'order', complaints: 'complaint' }[kind]} import`, id)
  return row
}

export async function firstErrors (db: Database, id: string): Promise<LineError[]> {
  const rows = await db.select().from(importErrors).where(eq(importErrors.importId, id)).orderBy(asc(importErrors.line)).limit(100)
  return rows.map((r) => ({ line: r.line, code: r.code, errors: r.errors as ProblemDetail[] }))
}

export async function listImportErrors (db: Database, kind: ImportKind, id: string, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined) {
  await findImport(db, kind, id, who)
  const list = `${kind}-import-errors`
  const [after] = cursors.decode(list, { id }, cursor) ?? []
  const rows = await db.select().from(importErrors)
    .where(and(eq(importErrors.importId, id), after ? sql`${importErrors.line} > ${Number(after)}` : undefined))
    .orderBy(asc(importErrors.line)).limit(limit + 1)
  return page(rows, limit, (r) => ({ line: r.line, code: r.code, errors: r.errors as ProblemDetail[] }), (last) => cursors.encode(list, { id }, [String(last.line)]))
}

export async function listImports (db: Database, kind: ImportKind, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined, filters: { status?: ImportRow['status'], idempotencyKey?: string }) {
  const list = `${kind}-imports`
  const [before] = cursors.decode(list, filters, cursor) ?? []
  const rows = await db.select().from(imports).where(and(
    visibleImports(kind, who),
    before ? lt(imports.id, before) : undefined,
    filters.status ? eq(imports.status, filters.status) : undefined,
    filters.idempotencyKey ? eq(imports.idempotencyKey, filters.idempotencyKey) : undefined
  )).orderBy(desc(imports.id)).limit(limit + 1)
  return page(rows, limit, (r) => importToApi(r), (last) => cursors.encode(list, filters, [last.id]))
}

export type Opened =
  | { kind: 'new' | 'resumed', row: ImportRow }
  | { kind: 'completed', row: ImportRow }

/** An import no request is delivering: interrupted, or silent for too long (its replica died). */
const unheld = () => or(
  eq(imports.status, 'interrupted'),
  lt(imports.updatedAt, sql`now() - make_interval(secs => ${importLimits.staleAfterMs / 1000})`)
)

function inFlight (row: { id: string, kind: ImportKind }): ProblemError {
  return new ProblemError('idempotency_request_in_flight', `Import ${row.id} under this Idempotency-Key is still receiving lines; follow it at ${importPath(row.kind, row.id)}`, { retryAfterSeconds: 5 })
}

/**
 * The import this request delivers: a new one; or, under an Idempotency-Key already used, the
 * same import again: finished (to be replayed), or interrupted (to be continued by this request,
 * once it has taken it over: see takeOverImport).
 */
export async function openImport (db: Database, kind: ImportKind, who: Principal, key: string | undefined): Promise<Opened> {
  const fresh = { id: uuidv7(), kind, keyId: who.keyId, agencyId: who.agencyId, enterpriseId: who.enterpriseId, idempotencyKey: key ?? null }
  if (key === undefined) return { kind: 'new', row: (await db.insert(imports).values(fresh).returning())[0]! }
  const [created] = await db.insert(imports).values(fresh).onConflictDoNothing().returning()
  if (created) return { kind: 'new', row: created }
  const mine = and(eq(imports.keyId, who.keyId!), eq(imports.kind, kind), eq(imports.idempotencyKey, key))
  const [existing] = await db.select().from(imports).where(and(mine, or(eq(imports.status, 'completed'), unheld())))
  if (!existing) {
    const [held] = await db.select({ id: imports.id, kind: imports.kind }).from(imports).where(mine)
    throw inFlight(held!)
  }
  return { kind: existing.status === 'completed' ? 'completed' : 'resumed', row: existing }
}

/**
 * Takes an interrupted import over, once the retry has proved that its body starts with what was
 * committed (so that a retry with another body changes nothing). Its committed batches and their
 * counts stay; the request that held it can commit nothing more.
 */
export async function takeOverImport (db: Database, row: ImportRow): Promise<ImportRow> {
  const [resumed] = await db.update(imports)
    .set({ status: 'receiving', attempts: sql`${imports.attempts} + 1`, updatedAt: sql`now()` })
    .where(and(eq(imports.id, row.id), eq(imports.attempts, row.attempts), eq(imports.committedBytes, row.committedBytes), unheld()))
    .returning()
  if (!resumed) throw inFlight(row)
  return resumed
}

/** Who holds an import slot: one request delivering one import. */
interface SlotHolder { tenant: string, keyId: string | null, idempotencyKey: string | undefined, importId?: string, kind?: ImportKind }

/**
 * The import slots of one instance, shared by every kind: at most `max` imports at once, and one
 * per agency or enterprise, so that one caller (a slow one, or one that sends many) cannot hold
 * them all while other cities and platforms wait.
 * A retry under the key of the import its agency is running is let through: openImport decides
 * whether it is in flight (409) or takes over a silent one.
 */
export function importSlots (max: number) {
  const holders = new Set<SlotHolder>()
  return {
    /** Takes a slot, or says why not; the slot is the caller's until it calls release. */
    take (who: Principal, idempotencyKey: string | undefined): SlotHolder {
      const tenant = who.agencyId ?? who.enterpriseId ?? who.keyId ?? 'none'
      const mine = (h: SlotHolder) => h.keyId === who.keyId && idempotencyKey !== undefined && h.idempotencyKey === idempotencyKey
      const running = [...holders].find((h) => h.tenant === tenant && !mine(h))
      if (running) {
        const which = running.importId && running.kind ? `import ${importPath(running.kind, running.importId)}` : 'an import'
        const whose = who.agencyId ? ['agency', 'an agency', 'city'] : ['enterprise', 'an enterprise', 'platform']
        throw new ProblemError('import_already_running', `Your ${whose[0]}'s ${which} is still running; ${whose[1]} runs one import at a time, so that every ${whose[2]} gets its turn: retry once it has completed`, { retryAfterSeconds: 30 })
      }
      if (holders.size >= max) {
        throw new ProblemError('service_unavailable', `${holders.size} bulk imports are running on this instance, the most it runs at once; retry shortly`, { retryAfterSeconds: 30 })
      }
      const holder: SlotHolder = { tenant, keyId: who.keyId, idempotencyKey }
      holders.add(holder)
      return holder
    },
    release (holder: SlotHolder) {
      holders.delete(holder)
    }
  }
}
