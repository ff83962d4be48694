import { createHash } from 'node:crypto'
import { and, asc, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm'
import type { FastifyBaseLogger } from 'fastify'
import type { Principal } from '../../auth/principal.js'
import { rowsOf, type Database } from '../../db/client.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { notFound, ProblemError, type ProblemCode, type ProblemDetail } from '../../lib/problems.js'
import { uuidv7 } from '../../lib/uuid.js'
import { validationDetails } from '../../plugins/errors.js'
import { bodyValidator } from '../../plugins/validation.js'
import { appendAuditEvents } from '../audit/trail.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { checkLicence, type KnownAgency, type KnownEnterprise } from './rules.js'
import { IssueLicenceBody, type IssueLicence, type LicenceImportApi } from './schemas.js'
import { insertLicences, knownHolders, licencePath } from './service.js'
import { licenceImportErrors, licenceImports, type LicenceImportRow, type LicenceInsert } from './table.js'

// Bulk import: NDJSON read as it arrives, a batch of lines at a time, each batch committed with its
// counts, its refused lines and one audit event. Memory holds one batch, whatever the size.
// Applying a line twice is impossible: the number is unique per jurisdiction and type, and a line
// an earlier attempt of the same import applied is recognised by (import_id, import_line).

export const importLimits = {
  batchLines: 2000,
  maxLineBytes: 16 * 1024,
  /** A stalled import (its replica died) may be taken over by a retry after this long. */
  staleAfterMs: 60_000
}

export interface ImportContext {
  db: Database
  registry: JurisdictionRegistry
  principal: Principal
  hashId: (id: string) => string
  requestId: string
  auditTrail: boolean
  log: FastifyBaseLogger
  maxLines: number
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

/**
 * The import this request delivers: a new one; or, under an Idempotency-Key already used, the
 * same import again: finished (to be replayed), or interrupted (to be continued by this request).
 */
export async function openImport (db: Database, who: Principal, key: string | undefined): Promise<Opened> {
  const fresh = { id: uuidv7(), keyId: who.keyId, agencyId: who.agencyId, idempotencyKey: key ?? null }
  if (key === undefined) return { kind: 'new', row: (await db.insert(licenceImports).values(fresh).returning())[0]! }
  const [created] = await db.insert(licenceImports).values(fresh).onConflictDoNothing().returning()
  if (created) return { kind: 'new', row: created }
  const [existing] = await db.select().from(licenceImports).where(and(eq(licenceImports.keyId, who.keyId!), eq(licenceImports.idempotencyKey, key)))
  if (existing!.status === 'completed') return { kind: 'completed', row: existing! }
  // Taken over only when no request is delivering it: interrupted, or silent for too long.
  const [resumed] = await db.update(licenceImports)
    .set({ status: 'receiving', attempts: sql`${licenceImports.attempts} + 1`, lines: 0, applied: 0, rejected: 0, updatedAt: sql`now()` })
    .where(and(eq(licenceImports.id, existing!.id), or(
      eq(licenceImports.status, 'interrupted'),
      lt(licenceImports.updatedAt, sql`now() - make_interval(secs => ${importLimits.staleAfterMs / 1000})`)
    )))
    .returning()
  if (!resumed) {
    throw new ProblemError('idempotency_request_in_flight', `Import ${existing!.id} under this Idempotency-Key is still receiving lines; follow it at ${importPath(existing!.id)}`, { retryAfterSeconds: 5 })
  }
  await db.delete(licenceImportErrors).where(eq(licenceImportErrors.importId, resumed.id))
  return { kind: 'resumed', row: resumed }
}

/** Reads a body to its end only to know whether it is the one an import was made from. */
export async function bodyHash (body: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of body) hash.update(chunk)
  return hash.digest('hex')
}

export function differentBody (): ProblemError {
  return new ProblemError('idempotency_key_reused', 'This Idempotency-Key was already used for an import of a different body; use a new key for a new import', {
    errors: [{ in: 'header', pointer: '/idempotency-key', code: 'idempotency_key_reused', message: 'already used with another body' }]
  })
}

/** Splits a byte stream into lines, without ever holding more than one line beyond the chunk. */
async function * linesOf (body: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash>, maxLineBytes: number): AsyncGenerator<string | { tooLong: number }> {
  let carry: Buffer[] = []
  let carried = 0
  let skipping = false
  for await (const chunk of body) {
    hash.update(chunk)
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (skipping) {
        skipping = false
      } else if (carried + nl - start > maxLineBytes) {
        yield { tooLong: carried + nl - start }
      } else {
        yield (carried ? Buffer.concat([...carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl)).toString('utf8')
      }
      carry = []
      carried = 0
      start = nl + 1
    }
    if (start < chunk.length && !skipping) {
      if (carried + chunk.length - start > maxLineBytes) {
        yield { tooLong: carried + chunk.length - start }
        skipping = true
        carry = []
        carried = 0
      } else {
        carry.push(chunk.subarray(start))
        carried += chunk.length - start
      }
    }
  }
  if (carried) yield Buffer.concat(carry).toString('utf8')
}

interface Parsed { line: number, input: IssueLicence }

const validLine = bodyValidator(IssueLicenceBody)

function lineProblem (line: number, code: ProblemCode, pointer: string, detailCode: string, message: string): LineError {
  return { line, code, errors: [{ in: 'body', pointer, code: detailCode, message }] }
}

/** One line as JSON that matches the licence schema, or why not. */
function parseLine (text: string, line: number): Parsed | LineError {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return lineProblem(line, 'malformed_json', '', 'malformed_json', `not JSON: ${(err as Error).message}`)
  }
  if (value !== null && typeof value === 'object' && (Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor'))) {
    return lineProblem(line, 'malformed_json', '', 'forbidden_property', 'the line holds a __proto__ or constructor key')
  }
  if (!validLine(value)) return { line, code: 'validation_failed', errors: validationDetails(validLine.errors as Parameters<typeof validationDetails>[0], 'body') }
  return { line, input: value as IssueLicence }
}

/** Reads, checks and applies every line; returns the import as it ended. */
export async function runImport (ctx: ImportContext, opened: LicenceImportRow, body: AsyncIterable<Buffer>): Promise<LicenceImportRow> {
  const hash = createHash('sha256')
  const agencyCache = new Map<string, KnownAgency>()
  const enterpriseCache = new Map<string, KnownEnterprise>()
  const counts = { lines: 0, applied: 0, rejected: 0 }
  let batch: Array<Parsed | LineError> = []
  let lineNo = 0
  let overLimit = false

  const flush = async () => {
    if (batch.length === 0) return
    const current = batch
    batch = []
    await applyBatch(ctx, opened.id, current, counts, agencyCache, enterpriseCache)
  }

  try {
    for await (const text of linesOf(body, hash, importLimits.maxLineBytes)) {
      lineNo++
      if (overLimit) continue
      if (typeof text !== 'string') {
        counts.lines++
        batch.push(lineProblem(lineNo, 'payload_too_large', '', 'line_too_long', `the line has more than ${importLimits.maxLineBytes} bytes`))
      } else {
        if (text.trim() === '') continue
        if (counts.lines >= ctx.maxLines) {
          overLimit = true
          batch.push(lineProblem(lineNo, 'payload_too_large', '', 'import_too_large', `an import holds at most ${ctx.maxLines} lines; this line and those after it were not read: send them as another import`))
          continue
        }
        counts.lines++
        batch.push(parseLine(text.endsWith('\r') ? text.slice(0, -1) : text, lineNo))
      }
      if (batch.length >= importLimits.batchLines) await flush()
    }
    await flush()
  } catch (err) {
    ctx.log.warn({ err, importId: opened.id, lines: counts.lines }, 'licence import interrupted')
    await ctx.db.update(licenceImports).set({ status: 'interrupted', updatedAt: sql`now()` }).where(eq(licenceImports.id, opened.id))
      .catch((cause: unknown) => ctx.log.error({ err: cause, importId: opened.id }, 'could not mark the import interrupted'))
    throw err
  }
  const [done] = await ctx.db.update(licenceImports)
    .set({ status: 'completed', bodyHash: hash.digest('hex'), finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(eq(licenceImports.id, opened.id)).returning()
  return done!
}

/** Checks a batch against the register and commits it with its counts, refused lines and audit event. */
async function applyBatch (
  ctx: ImportContext, importId: string, batch: Array<Parsed | LineError>, counts: { lines: number, applied: number, rejected: number },
  agencyCache: Map<string, KnownAgency>, enterpriseCache: Map<string, KnownEnterprise>
) {
  const parsed = batch.filter((b): b is Parsed => 'input' in b)
  const errors = batch.filter((b): b is LineError => !('input' in b))
  // The agencies and enterprises this batch names that are not known yet: two queries at most.
  const agencyIds = [...new Set(parsed.map((p) => p.input.issuingAgencyId))].filter((id) => !agencyCache.has(id))
  const enterpriseIds = [...new Set(parsed.flatMap((p) => p.input.enterpriseId ? [p.input.enterpriseId] : []))].filter((id) => !enterpriseCache.has(id))
  if (agencyIds.length || enterpriseIds.length) {
    const known = await knownHolders(ctx.db, agencyIds, enterpriseIds)
    for (const [id, a] of known.agencies) agencyCache.set(id, a)
    for (const [id, e] of known.enterprises) enterpriseCache.set(id, e)
  }
  const rules = {
    registry: ctx.registry,
    principal: ctx.principal,
    agency: (id: string) => agencyCache.get(id),
    enterprise: (id: string) => enterpriseCache.get(id),
    hashId: ctx.hashId,
    now: new Date()
  }
  const rows: Array<Omit<LicenceInsert, 'id'> & { line: number }> = []
  for (const p of parsed) {
    const checked = checkLicence(p.input, rules)
    if (checked.failure) errors.push({ line: p.line, ...checked.failure })
    else rows.push({ ...checked.values, line: p.line })
  }

  await ctx.db.transaction(async (tx) => {
    let applied = 0
    if (rows.length) {
      const inserted = await insertLicences(tx, rows, { keyId: ctx.principal.keyId, importId })
      applied = inserted.length
      if (inserted.length < rows.length) {
        const landed = new Set(inserted.map((r) => r.line))
        const refused = rows.filter((r) => !landed.has(r.line))
        const byLine = new Map(refused.map((r) => [r.line, r]))
        // A number already in the register: applied by this import before (a retry), or taken.
        const holders = rowsOf<{ line: number, id: string, import_id: string | null, import_line: number | null }>(await tx.execute(sql`
          select k.line, l.id, l.import_id, l.import_line
          from unnest(${sql.param(refused.map((r) => r.jurisdictionCode))}::char(6)[], ${sql.param(refused.map((r) => r.type))}::text[],
            ${sql.param(refused.map((r) => r.number))}::text[], ${sql.param(refused.map((r) => r.line))}::int[]) as k(code, type, number, line)
          join licences l on l.jurisdiction_code = k.code and l.type = k.type and l.number = k.number`))
        for (const holder of holders) {
          const row = byLine.get(holder.line)!
          if (holder.import_id === importId && holder.import_line === holder.line) {
            applied++
            continue
          }
          const message = holder.import_id === importId
            ? `already on line ${holder.import_line} of this import`
            : `already in the register as ${licencePath(holder.id)}`
          errors.push(lineProblem(holder.line, 'licence_number_taken', '/number', 'licence_number_taken', `a ${row.type} numbered ${row.number} in ${row.jurisdictionCode} is ${message}`))
        }
      }
    }
    if (errors.length) {
      errors.sort((a, b) => a.line - b.line)
      await tx.execute(sql`
        insert into licence_import_errors (import_id, line, code, errors)
        select ${importId}::uuid, e.line, e.code, e.errors
        from unnest(${sql.param(errors.map((e) => e.line))}::int[], ${sql.param(errors.map((e) => e.code))}::text[], ${sql.param(errors.map((e) => JSON.stringify(e.errors)))}::jsonb[]) as e(line, code, errors)
        on conflict (import_id, line) do update set code = excluded.code, errors = excluded.errors`)
    }
    counts.applied += applied
    counts.rejected += errors.length
    await tx.update(licenceImports).set({ ...counts, updatedAt: sql`now()` }).where(eq(licenceImports.id, importId))
    if (ctx.auditTrail && (applied || errors.length)) {
      await appendAuditEvents(tx, ctx.principal, ctx.requestId, [{
        action: 'licence.imported',
        entityType: 'licence_import',
        entityId: importId,
        jurisdictionCodes: [...new Set(rows.map((r) => r.jurisdictionCode))],
        before: null,
        after: { firstLine: batch[0]!.line, lastLine: batch.at(-1)!.line, applied, rejected: errors.length }
      }])
    }
  })
}
