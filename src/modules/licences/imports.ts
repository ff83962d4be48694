import { and, asc, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import type { Principal } from '../../auth/principal.js'
import type { Database } from '../../db/client.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { notFound, ProblemError, type ProblemCode, type ProblemDetail } from '../../lib/problems.js'
import { uuidv7 } from '../../lib/uuid.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { assertRegisterKeeper } from './rules.js'
import type { LicenceImportApi } from './schemas.js'
import { licenceImportErrors, licenceImports, type LicenceImportRow } from './table.js'

// A bulk import as a resource: opened (or reopened by a retry under its Idempotency-Key), its
// counts, its refused lines. Reading and applying its body is import-run.ts.

export const importLimits = {
  batchLines: 2000,
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
}

export interface LineError { line: number, code: ProblemCode | string, errors: ProblemDetail[] }

export function importPath (id: string): string {
  return `/v1/licence-imports/${id}`
}

export function importToApi (row: LicenceImportRow, errors?: LineError[]): LicenceImportApi {
  return {
    id: row.id,
    status: row.status,
    idempotencyKey: row.idempotencyKey,
    attempts: row.attempts,
    lines: row.lines,
    applied: row.applied,
    rejected: row.rejected,
    startedAt: row.startedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ...(errors ? { errors } : {})
  }
}

/** Admin sees every import, a regulator its own agency's. */
function visibleImports (who: Principal): SQL | undefined {
  return who.role === 'admin' ? undefined : eq(licenceImports.agencyId, who.agencyId ?? '00000000-0000-0000-0000-000000000000')
}

export async function findImport (db: Database, id: string, who: Principal): Promise<LicenceImportRow> {
  const [row] = await db.select().from(licenceImports).where(and(eq(licenceImports.id, id), visibleImports(who)))
  if (!row) throw notFound('licence import', id)
  return row
}

export async function firstErrors (db: Database, id: string): Promise<LineError[]> {
  const rows = await db.select().from(licenceImportErrors).where(eq(licenceImportErrors.importId, id)).orderBy(asc(licenceImportErrors.line)).limit(100)
  return rows.map((r) => ({ line: r.line, code: r.code, errors: r.errors as ProblemDetail[] }))
}

export async function listImportErrors (db: Database, id: string, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined) {
  await findImport(db, id, who)
  const [after] = cursors.decode('licence-import-errors', { id }, cursor) ?? []
  const rows = await db.select().from(licenceImportErrors)
    .where(and(eq(licenceImportErrors.importId, id), after ? sql`${licenceImportErrors.line} > ${Number(after)}` : undefined))
    .orderBy(asc(licenceImportErrors.line)).limit(limit + 1)
  return page(rows, limit, (r) => ({ line: r.line, code: r.code, errors: r.errors as ProblemDetail[] }), (last) => cursors.encode('licence-import-errors', { id }, [String(last.line)]))
}

export async function listImports (db: Database, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined, filters: { status?: LicenceImportRow['status'], idempotencyKey?: string }) {
  const [before] = cursors.decode('licence-imports', filters, cursor) ?? []
  const rows = await db.select().from(licenceImports).where(and(
    visibleImports(who),
    before ? lt(licenceImports.id, before) : undefined,
    filters.status ? eq(licenceImports.status, filters.status) : undefined,
    filters.idempotencyKey ? eq(licenceImports.idempotencyKey, filters.idempotencyKey) : undefined
  )).orderBy(desc(licenceImports.id)).limit(limit + 1)
  return page(rows, limit, (r) => importToApi(r), (last) => cursors.encode('licence-imports', filters, [last.id]))
}

export type Opened =
  | { kind: 'new' | 'resumed', row: LicenceImportRow }
  | { kind: 'completed', row: LicenceImportRow }

/** An import no request is delivering: interrupted, or silent for too long (its replica died). */
const unheld = () => or(
  eq(licenceImports.status, 'interrupted'),
  lt(licenceImports.updatedAt, sql`now() - make_interval(secs => ${importLimits.staleAfterMs / 1000})`)
)

function inFlight (id: string): ProblemError {
  return new ProblemError('idempotency_request_in_flight', `Import ${id} under this Idempotency-Key is still receiving lines; follow it at ${importPath(id)}`, { retryAfterSeconds: 5 })
}

/**
 * The import this request delivers: a new one; or, under an Idempotency-Key already used, the
 * same import again: finished (to be replayed), or interrupted (to be continued by this request,
 * once it has taken it over: see takeOverImport).
 */
export async function openImport (db: Database, who: Principal, key: string | undefined): Promise<Opened> {
  assertRegisterKeeper(who)
  const fresh = { id: uuidv7(), keyId: who.keyId, agencyId: who.agencyId, idempotencyKey: key ?? null }
  if (key === undefined) return { kind: 'new', row: (await db.insert(licenceImports).values(fresh).returning())[0]! }
  const [created] = await db.insert(licenceImports).values(fresh).onConflictDoNothing().returning()
  if (created) return { kind: 'new', row: created }
  const [existing] = await db.select().from(licenceImports).where(and(eq(licenceImports.keyId, who.keyId!), eq(licenceImports.idempotencyKey, key), or(eq(licenceImports.status, 'completed'), unheld())))
  if (!existing) {
    const [held] = await db.select({ id: licenceImports.id }).from(licenceImports).where(and(eq(licenceImports.keyId, who.keyId!), eq(licenceImports.idempotencyKey, key)))
    throw inFlight(held!.id)
  }
  return { kind: existing.status === 'completed' ? 'completed' : 'resumed', row: existing }
}

/**
 * Takes an interrupted import over, once the retry has proved that its body starts with what was
 * committed (so that a retry with another body changes nothing). Its committed batches and their
 * counts stay; the request that held it can commit nothing more.
 */
export async function takeOverImport (db: Database, row: LicenceImportRow): Promise<LicenceImportRow> {
  const [resumed] = await db.update(licenceImports)
    .set({ status: 'receiving', attempts: sql`${licenceImports.attempts} + 1`, updatedAt: sql`now()` })
    .where(and(eq(licenceImports.id, row.id), eq(licenceImports.attempts, row.attempts), eq(licenceImports.committedBytes, row.committedBytes), unheld()))
    .returning()
  if (!resumed) throw inFlight(row.id)
  return resumed
}

/** Who holds an import slot: one request delivering one import. */
interface SlotHolder { tenant: string, keyId: string | null, idempotencyKey: string | undefined, importId?: string }

/**
 * The import slots of one instance: at most `max` imports at once, and one per agency, so that
 * one caller (a slow one, or one that sends many) cannot hold them all while other cities wait.
 * A retry under the key of the import its agency is running is let through: openImport decides
 * whether it is in flight (409) or takes over a silent one.
 */
export function importSlots (max: number) {
  const holders = new Set<SlotHolder>()
  return {
    /** Takes a slot, or says why not; the slot is the caller's until it calls release. */
    take (who: Principal, idempotencyKey: string | undefined): SlotHolder {
      const tenant = who.agencyId ?? who.keyId ?? 'none'
      const mine = (h: SlotHolder) => h.keyId === who.keyId && idempotencyKey !== undefined && h.idempotencyKey === idempotencyKey
      const running = [...holders].find((h) => h.tenant === tenant && !mine(h))
      if (running) {
        const which = running.importId ? `import ${importPath(running.importId)}` : 'an import'
        throw new ProblemError('import_already_running', `Your agency's ${which} is still running; an agency runs one import at a time, so that every city gets its turn: retry once it has completed`, { retryAfterSeconds: 30 })
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
