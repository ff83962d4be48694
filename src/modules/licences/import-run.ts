import { createHash, type Hash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { and, eq, sql, type SQL } from 'drizzle-orm'
import { rowsOf } from '../../db/client.js'
import { invalidField, ProblemError, type ProblemCode } from '../../lib/problems.js'
import { validationDetails } from '../../plugins/errors.js'
import { bodyValidator } from '../../plugins/validation.js'
import { appendAuditEvents } from '../audit/trail.js'
import { importLimits, importPath, takeOverImport, type ImportContext, type LineError, type Opened } from './imports.js'
import { checkLicence, shownNumber, type KnownAgency, type KnownEnterprise } from './rules.js'
import { IssueLicenceBody, type IssueLicence } from './schemas.js'
import { insertLicences, knownHolders, licencePath } from './service.js'
import { licenceImports, type LicenceImportRow, type LicenceInsert } from './table.js'

// Reading an import's body: NDJSON read as it arrives, a batch of lines at a time, each batch
// committed with its counts, its refused lines, how far into the body it reaches, and one audit
// event. One batch is checked while the one before it is written, so memory holds two batches
// whatever the size. Nothing is applied twice: a retry under the same Idempotency-Key proves that
// its body starts with the bytes already committed, skips them, and goes on from there.

/** A body's digest as stored: keyed, since the body holds personal data that a plain hash would give away. */
const storedDigest = (digest: Hash, hashPersonal: (value: string) => string) => hashPersonal(digest.copy().digest('hex'))

export function differentBody (): ProblemError {
  return new ProblemError('idempotency_key_reused', 'This Idempotency-Key was already used for an import of a different body; use a new key for a new import', {
    errors: [{ in: 'header', pointer: '/idempotency-key', code: 'idempotency_key_reused', message: 'already used with another body' }]
  })
}

function emptyImport (): ProblemError {
  return invalidField('empty_import', '', 'empty_import', 'The body holds no line: send one licence as JSON per line. Nothing was written, and an Idempotency-Key sent with it is still unused')
}

function superseded (id: string): ProblemError {
  return new ProblemError('import_superseded', `A retry under the same Idempotency-Key took import ${id} over while this request was silent; it goes on there: follow it at ${importPath(id)}`)
}

/** A line: its text, or only its length when it is too long to hold; `end` is the body offset after it. */
type Line = { text: string, tooLong?: undefined, end: number } | { text?: undefined, tooLong: number, end: number }

/**
 * Splits a byte stream into lines without holding more than one line beyond the chunk. When a
 * line is yielded, `digest` has seen exactly the bytes up to its end, so a batch boundary can be
 * recognised again, byte for byte, in a retry that arrives in other chunks.
 */
async function * linesOf (body: AsyncIterable<Buffer>, digest: Hash, maxLineBytes: number, received: { bytes: number }): AsyncGenerator<Line> {
  let carry: Buffer[] = []
  let carried = 0
  let overlong = false
  let end = 0
  for await (const chunk of body) {
    received.bytes += chunk.length
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      digest.update(chunk.subarray(start, nl + 1))
      end += nl + 1 - start
      const length = carried + nl - start
      if (overlong || length > maxLineBytes) yield { tooLong: length, end }
      else yield { text: (carried ? Buffer.concat([...carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl)).toString('utf8'), end }
      carry = []
      carried = 0
      overlong = false
      start = nl + 1
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      digest.update(rest)
      end += rest.length
      carried += rest.length
      if (!overlong && carried > maxLineBytes) {
        overlong = true
        carry = []
      } else if (!overlong) {
        carry.push(rest)
      }
    }
  }
  if (carried) yield overlong ? { tooLong: carried, end } : { text: Buffer.concat(carry).toString('utf8'), end }
}

/** A line that matches the schema; `nul` is where a value holds a NUL character, if one does. */
interface Parsed { line: number, input: IssueLicence, nul?: string }

const validLine = bodyValidator(IssueLicenceBody)

function lineProblem (line: number, code: ProblemCode, pointer: string, detailCode: string, message: string): LineError {
  return { line, code, errors: [{ in: 'body', pointer, code: detailCode, message }] }
}

/** What JSON.parse says is wrong, without the piece of the line it quotes (it may be personal data). */
export function jsonSyntaxMessage (err: Error): string {
  const position = /at position (\d+)/.exec(err.message)?.[1]
  const what = err.message
    .replace(/, .*is not valid JSON$/s, '')
    .replace(/ (in JSON )?at position \d+.*$/s, '')
  return position === undefined ? what : `${what} at character ${Number(position) + 1}`
}

/**
 * Where a parsed line first holds a NUL character, in a field name or in a value: PostgreSQL
 * stores neither in text or jsonb, so such a line is refused as it is read, and never quoted.
 * Iterative, since a line of 16 KiB may nest thousands deep.
 */
function nulIn (value: unknown): { pointer: string, inName: boolean } | undefined {
  const pending: Array<[unknown, string]> = [[value, '']]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, pointer] = next
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return { pointer, inName: false }
    } else if (node !== null && typeof node === 'object') {
      for (const [name, child] of Object.entries(node)) {
        if (name.includes('\u0000')) return { pointer, inName: true }
        pending.push([child, `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`])
      }
    }
  }
  return undefined
}

/** One line as JSON that matches the licence schema, or why not. */
function parseLine (text: string, line: number): Parsed | LineError {
  if (text.includes('\u0000')) return lineProblem(line, 'malformed_json', '', 'nul_character', 'the line holds a NUL byte (0x00): JSON allows none, and the register cannot store one')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return lineProblem(line, 'malformed_json', '', 'malformed_json', `not JSON: ${jsonSyntaxMessage(err as Error)}`)
  }
  if (value !== null && typeof value === 'object' && (Object.hasOwn(value, '__proto__') || Object.hasOwn(value, 'constructor'))) {
    return lineProblem(line, 'malformed_json', '', 'forbidden_property', 'the line holds a __proto__ or constructor key')
  }
  // Only a line that spells \u0000 can hold one once parsed.
  const nul = text.includes('\\u0000') ? nulIn(value) : undefined
  if (nul?.inName) return lineProblem(line, 'validation_failed', nul.pointer, 'nul_character', 'a field name here holds a NUL character (U+0000), which the register cannot store')
  if (!validLine(value)) return { line, code: 'validation_failed', errors: validationDetails(validLine.errors as Parameters<typeof validationDetails>[0], 'body') }
  return { line, input: value as IssueLicence, ...(nul ? { nul: nul.pointer } : {}) }
}

/** Where a batch ends: what its commit records, so that a retry can go on from there. */
interface BatchEnd { bytes: number, lines: number, counted: number, digest: string }

interface Caches { agencies: Map<string, KnownAgency>, enterprises: Map<string, KnownEnterprise> }

/** What became of an import's request: the import as this request left it, and how it was opened. */
export interface ImportOutcome { kind: Opened['kind'], row: LicenceImportRow }

/**
 * Reads, checks and applies every line; returns the import as it ended. The import is opened (or
 * reopened, under its Idempotency-Key) only at the body's first line that is not blank: a body
 * that holds none writes nothing and leaves its key unused. One that holds the body of a completed
 * import is read to its end only to prove that it is that body, and replayed.
 */
export async function runImport (ctx: ImportContext, body: Readable, open: () => Promise<Opened>): Promise<ImportOutcome> {
  const digest = createHash('sha256')
  const caches: Caches = { agencies: new Map(), enterprises: new Map() }
  const received = { bytes: 0 }
  let opened: Opened | undefined
  let fence = { id: '', attempt: 0 }
  // A resumed import keeps what its committed batches counted, and goes on after them.
  let counts = { lines: 0, applied: 0, rejected: 0 }
  let resumeAt = 0
  let verified = true
  let committed = 0
  let batch: Array<Parsed | LineError> = []
  let lineNo = 0
  let overLimit = false
  let applying: Promise<void> | undefined
  let end = 0
  let flushing = false
  // Whether this request delivers the import: from its opening when new, from the proof that its
  // body is the same when a retry; never to replay a completed one.
  let held = false
  const hold = (row: LicenceImportRow) => {
    fence = { id: row.id, attempt: row.attempts }
    held = true
  }
  const receiving = () => held

  const flush = async () => {
    if (batch.length === 0) return
    const lines = batch
    batch = []
    const mark: BatchEnd = { bytes: end, lines: lineNo, counted: counts.lines, digest: storedDigest(digest, ctx.hashPersonal) }
    flushing = true
    // Checked while the batch before it is being written; then written while the next is read.
    const checked = await checkBatch(ctx, lines, caches)
    await applying
    flushing = false
    applying = commitBatch(ctx, fence, checked, mark, counts).then(() => { committed++ })
    // Its failure is met at the next await; until then, reading goes on.
    applying.catch(() => {})
  }
  // Waiting on the database is this side's doing; waiting on the sender is not, beyond a point: a
  // sender that keeps its connection open but sends next to nothing would hold an import slot.
  const minBytesPerBeat = Math.ceil(ctx.minBytesPerMinute * importLimits.heartbeatMs / 60_000)
  let bytesAtLastBeat = 0
  const heartbeat = setInterval(() => {
    if (!flushing && received.bytes - bytesAtLastBeat < minBytesPerBeat) {
      body.destroy(new ProblemError('request_timeout', `The import arrived at less than ${ctx.minBytesPerMinute} bytes a minute (IMPORT_MIN_BYTES_PER_MINUTE) and was stopped; what was committed stays: send the whole body again with the same Idempotency-Key to go on`))
      return
    }
    bytesAtLastBeat = received.bytes
    if (!receiving()) return
    ctx.db.update(licenceImports).set({ updatedAt: sql`now()` }).where(current(fence))
      .catch((err: unknown) => ctx.log.warn({ err, importId: fence.id }, 'licence import heartbeat failed'))
  }, importLimits.heartbeatMs).unref()

  try {
    for await (const line of linesOf(body, digest, importLimits.maxLineBytes, received)) {
      end = line.end
      lineNo++
      // Lines arrive a chunk at a time and are read without leaving the microtask queue: let the
      // database's answers in now and then, so the batch being written does not wait on this one.
      if (lineNo % importLimits.yieldEveryLines === 0) await new Promise(setImmediate)
      if (opened === undefined) {
        if (line.text?.trim() === '') continue
        opened = await open()
        const row = opened.row
        counts = { lines: row.lines, applied: row.applied, rejected: row.rejected }
        resumeAt = row.committedBytes
        verified = resumeAt === 0
        if (opened.kind === 'new') hold(row)
        else if (opened.kind === 'resumed' && verified) hold(await takeOverImport(ctx.db, row))
      }
      if (opened.kind === 'completed') continue
      if (!verified) {
        // Still inside what earlier attempts committed: only prove that it is the same body.
        if (end < resumeAt) continue
        if (end > resumeAt || lineNo !== opened.row.committedLines || storedDigest(digest, ctx.hashPersonal) !== opened.row.committedDigest) throw differentBody()
        verified = true
        hold(await takeOverImport(ctx.db, opened.row))
        continue
      }
      if (overLimit || line.text?.trim() === '') continue
      if (counts.lines >= ctx.maxLines) {
        overLimit = true
        batch.push(lineProblem(lineNo, 'payload_too_large', '', 'import_too_large', `an import holds at most ${ctx.maxLines} lines; this line and those after it were not read: send them as another import`))
        continue
      }
      counts.lines++
      batch.push(line.text === undefined
        ? lineProblem(lineNo, 'payload_too_large', '', 'line_too_long', `the line has ${line.tooLong} bytes; at most ${importLimits.maxLineBytes} are read`)
        : parseLine(line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text, lineNo))
      if (batch.length >= importLimits.batchLines) await flush()
    }
    if (opened === undefined) throw emptyImport()
    if (opened.kind === 'completed') {
      if (storedDigest(digest, ctx.hashPersonal) !== opened.row.bodyHash) throw differentBody()
      return opened
    }
    if (!verified) throw differentBody()
    await flush()
    await applying
  } catch (err) {
    await applying?.catch(() => {})
    if (receiving()) await leave(ctx, fence, opened!.kind === 'new' && committed === 0, err)
    throw err
  } finally {
    clearInterval(heartbeat)
  }
  const [done] = await ctx.db.update(licenceImports)
    .set({ status: 'completed', bodyHash: storedDigest(digest, ctx.hashPersonal), finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(current(fence)).returning()
  if (!done) throw superseded(fence.id)
  return { kind: opened.kind, row: done }
}

/**
 * An import this request stops delivering: interrupted, for a retry under its key to go on; or,
 * when this request opened it and committed nothing, gone, as if it had never been sent.
 */
async function leave (ctx: ImportContext, fence: { id: string, attempt: number }, unused: boolean, err: unknown) {
  const gone = ctx.clientGone()
  ctx.log[gone ? 'info' : 'warn']({ ...(gone ? {} : { err }), importId: fence.id }, unused ? 'licence import stopped before its first batch' : 'licence import interrupted')
  try {
    if (unused) await ctx.db.delete(licenceImports).where(current(fence))
    else await ctx.db.update(licenceImports).set({ status: 'interrupted', updatedAt: sql`now()` }).where(current(fence))
  } catch (cause) {
    ctx.log.error({ err: cause, importId: fence.id }, 'could not mark the import interrupted')
  }
}

/** The import, as long as this request still delivers it (no retry has taken it over). */
function current (fence: { id: string, attempt: number }): SQL {
  return and(eq(licenceImports.id, fence.id), eq(licenceImports.attempts, fence.attempt), eq(licenceImports.status, 'receiving'))!
}

interface CheckedBatch { rows: Array<Omit<LicenceInsert, 'id'> & { line: number }>, errors: LineError[], firstLine: number, lastLine: number }

/** Checks a batch's licences against the rules and what the register knows (its agencies and enterprises). */
async function checkBatch (ctx: ImportContext, batch: Array<Parsed | LineError>, caches: Caches): Promise<CheckedBatch> {
  const parsed = batch.filter((b): b is Parsed => 'input' in b)
  const errors = batch.filter((b): b is LineError => !('input' in b))
  // The agencies and enterprises this batch names that are not known yet: two queries at most.
  const agencyIds = [...new Set(parsed.map((p) => p.input.issuingAgencyId))].filter((id) => !caches.agencies.has(id))
  const enterpriseIds = [...new Set(parsed.flatMap((p) => p.input.enterpriseId ? [p.input.enterpriseId] : []))].filter((id) => !caches.enterprises.has(id))
  if (agencyIds.length || enterpriseIds.length) {
    const known = await knownHolders(ctx.db, ctx.principal, agencyIds, enterpriseIds)
    for (const [id, a] of known.agencies) caches.agencies.set(id, a)
    for (const [id, e] of known.enterprises) caches.enterprises.set(id, e)
  }
  const rules = {
    registry: ctx.registry,
    principal: ctx.principal,
    agency: (id: string) => caches.agencies.get(id),
    enterprise: (id: string) => caches.enterprises.get(id),
    hashId: ctx.hashPersonal,
    now: new Date()
  }
  const rows: Array<Omit<LicenceInsert, 'id'> & { line: number }> = []
  for (const p of parsed) {
    const checked = checkLicence(p.input, rules)
    if (checked.failure) errors.push({ line: p.line, ...checked.failure })
    // The rules refuse a NUL where they read a value (a number, a plate) in words of their own; anywhere else, here.
    else if (p.nul !== undefined) errors.push(lineProblem(p.line, 'validation_failed', p.nul, 'nul_character', 'holds a NUL character (U+0000), which the register cannot store'))
    else rows.push({ ...checked.values, line: p.line })
  }
  return { rows, errors, firstLine: batch[0]!.line, lastLine: batch.at(-1)!.line }
}

/** PostgreSQL's jsonb takes no NUL character: should a message ever quote one, it is stored as U+FFFD. */
const storable = (_name: string, value: unknown) => typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD') : value

/** Commits a checked batch with its counts, refused lines, where it ends, and one audit event. */
async function commitBatch (
  ctx: ImportContext, fence: { id: string, attempt: number }, { rows, errors, firstLine, lastLine }: CheckedBatch, mark: BatchEnd,
  counts: { applied: number, rejected: number }
) {
  const applied = await ctx.db.transaction(async (tx) => {
    // Not flushed to disk one batch at a time: a crash can lose only the last batches, and with
    // them the progress they recorded, so a retry sends them again. The import's completion is a
    // synchronous commit, which flushes every batch before it, so what the answer reports is durable.
    await tx.execute(sql`set local synchronous_commit = off`)
    const inserted = rows.length ? await insertLicences(tx, rows, { keyId: ctx.principal.keyId, importId: fence.id }) : []
    if (inserted.length < rows.length) {
      // A number already in the register: earlier in this import, or before it.
      const landed = new Set(inserted.map((r) => r.line))
      const refused = rows.filter((r) => !landed.has(r.line))
      const byLine = new Map(refused.map((r) => [r.line, r]))
      const holders = rowsOf<{ line: number, id: string, import_id: string | null, import_line: number | null }>(await tx.execute(sql`
        select k.line, l.id, l.import_id, l.import_line
        from unnest(${sql.param(refused.map((r) => r.jurisdictionCode))}::char(6)[], ${sql.param(refused.map((r) => r.type))}::text[],
          ${sql.param(refused.map((r) => r.number))}::text[], ${sql.param(refused.map((r) => r.line))}::int[]) as k(code, type, number, line)
        join licences l on l.jurisdiction_code = k.code and l.type = k.type and l.number = k.number`))
      for (const holder of holders) {
        const row = byLine.get(holder.line)!
        const where = holder.import_id === fence.id ? `already on line ${holder.import_line} of this import` : `already in the register as ${licencePath(holder.id)}`
        errors.push(lineProblem(holder.line, 'licence_number_taken', '/number', 'licence_number_taken', `a ${row.type} numbered ${shownNumber(row)} in ${row.jurisdictionCode} is ${where}`))
      }
    }
    if (errors.length) {
      errors.sort((a, b) => a.line - b.line)
      await tx.execute(sql`
        insert into licence_import_errors (import_id, line, code, errors)
        select ${fence.id}::uuid, e.line, e.code, e.errors
        from unnest(${sql.param(errors.map((e) => e.line))}::int[], ${sql.param(errors.map((e) => e.code))}::text[], ${sql.param(errors.map((e) => JSON.stringify(e.errors, storable)))}::jsonb[]) as e(line, code, errors)`)
    }
    const [still] = await tx.update(licenceImports).set({
      lines: mark.counted,
      applied: counts.applied + inserted.length,
      rejected: counts.rejected + errors.length,
      committedBytes: mark.bytes,
      committedLines: mark.lines,
      committedDigest: mark.digest,
      updatedAt: sql`now()`
    }).where(current(fence)).returning({ id: licenceImports.id })
    if (!still) throw superseded(fence.id)
    if (ctx.auditTrail && (inserted.length || errors.length)) {
      await appendAuditEvents(tx, ctx.principal, ctx.requestId, [{
        action: 'licence_import.batch_committed',
        entityType: 'licence_import',
        entityId: fence.id,
        jurisdictionCodes: [...new Set(rows.map((r) => r.jurisdictionCode))],
        before: null,
        after: { firstLine, lastLine, applied: inserted.length, rejected: errors.length }
      }])
    }
    return inserted.length
  })
  // Counted once committed: a batch that failed counts nothing.
  counts.applied += applied
  counts.rejected += errors.length
}
