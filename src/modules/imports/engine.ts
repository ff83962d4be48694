import { createHash, type Hash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { and, eq, sql, type SQL } from 'drizzle-orm'
import type { Principal } from '../../auth/principal.js'
import type { Database } from '../../db/client.js'
import { fieldFailure, invalidField, ProblemError, type ProblemCode } from '../../lib/problems.js'
import { validationDetails } from '../../plugins/errors.js'
import { bodyValidator } from '../../plugins/validation.js'
import type { AuditAction, AuditEntityType } from '../audit/actions.js'
import { appendAuditEvents } from '../audit/trail.js'
import { importLimits, importPath, takeOverImport, type ImportContext, type LineError, type Opened } from './resource.js'
import { imports, type ImportKind, type ImportRow } from './table.js'

// The one streaming-import engine every kind of bulk import runs on (a licence register, a
// platform's roster, its orders): NDJSON read as it arrives, a batch of lines at a time, each batch
// committed with its counts, its refused lines, how far into the body it reaches, and one audit
// event. One batch is checked while the one before it is written, so memory holds two batches
// whatever the size. Nothing is applied twice: a retry under the same Idempotency-Key proves that
// its body starts with the bytes already committed, skips them, and goes on from there.
// What the lines are, how they are checked and where they are written is the kind's ImportDefinition.

/** A line that matches its kind's schema, with its line number. */
export interface ParsedLine<Input> { line: number, input: Input }

/** A checked record ready to write, with the line it came from. */
export type CheckedRow<Row> = Row & { line: number }

/**
 * Checks each line by a kind's rule: the row it makes, or the line's error. A row is the rule's
 * own, made for its line, and takes the line number in place rather than in a copy of itself.
 * It lets the event loop in every few lines: a batch is checked while the one before it is
 * written, and that batch's statements wait on each answer being read.
 */
export async function checkEach<Input, Row> (lines: Array<ParsedLine<Input>>, check: (input: Input) => { failure: Omit<LineError, 'line'> } | { failure?: undefined, row: Row }) {
  const rows: Array<CheckedRow<Row>> = []
  const errors: LineError[] = []
  for (let i = 0; i < lines.length; i++) {
    if (i > 0 && i % importLimits.yieldEveryLines === 0) await new Promise(setImmediate)
    const p = lines[i]!
    const checked = check(p.input)
    if (checked.failure) errors.push({ line: p.line, ...checked.failure })
    else rows.push(Object.assign(checked.row as Row & { line?: number }, { line: p.line }) as CheckedRow<Row>)
  }
  return { rows, errors }
}

/**
 * One kind of import. `batches` is called once per run, so that a kind may keep what it learns
 * across batches (the holders a register names, say); its `check` runs outside any transaction,
 * while the batch before is being written, and its `write` inside the batch's transaction.
 */
export interface ImportDefinition<Input, Row, Staged = unknown> {
  kind: ImportKind
  /** The audit trail's name for it, and for a committed batch. */
  entityType: AuditEntityType
  batchAction: AuditAction
  /** Validates each line as it is read, with the rules of a request body. */
  lineSchema: object
  /** What one line holds, for the message of a body with none ("one licence as JSON per line"). */
  lineNoun: string
  /** What the data-quality checks make of refused lines (a 1970 match time, a conflicting order id), counted with the findings of the rows written. */
  findingsOf?: (refused: LineError[]) => Findings
  /** Refuses (throws) a caller who may not send this kind; checked when the import opens. */
  authorize: (who: Principal, db: Database) => void | Promise<void>
  batches: (ctx: ImportContext) => {
    check: (lines: Array<ParsedLine<Input>>) => Promise<{ rows: Array<CheckedRow<Row>>, errors: LineError[] }>
    /**
     * What `write` makes of the rows without the database (the rows shaped into a statement's
     * parameters, say), made beside the check, while the batch before is being written: inside the
     * batch's transaction the database would wait on it.
     */
    stage?: (rows: Array<CheckedRow<Row>>) => Staged
    /**
     * Writes rows (importId null: not by an import, as the demo data); a row it cannot write
     * (already there) comes back as its line's error, and what the data-quality checks found in
     * the rows it wrote as counts by finding.
     */
    write: (tx: Database, rows: Array<CheckedRow<Row>>, importId: string | null, staged: Staged) => Promise<{ applied: number, errors: LineError[], findings?: Findings }>
    /** The jurisdictions a batch's rows are in, for its audit event. */
    jurisdictionsOf: (rows: Array<CheckedRow<Row>>) => string[]
    /** When this run's batches must be written one at a time against any other's under the same key: the key (a transaction advisory lock, taken before `write`). */
    lockKey?: string
  }
}

/** Data-quality findings, counted by name (zero_ride, implausible_time…). */
export type Findings = Record<string, number>

/** Adds counts of findings to others. */
export function addFindings (to: Findings, more: Findings | undefined): Findings {
  for (const [name, n] of Object.entries(more ?? {})) if (n) to[name] = (to[name] ?? 0) + n
  return to
}

/** A body's digest as stored: keyed, since the body holds personal data that a plain hash would give away. */
const storedDigest = (digest: Hash, hashPersonal: (value: string) => string) => hashPersonal(digest.copy().digest('hex'))

export function differentBody (): ProblemError {
  return new ProblemError('idempotency_key_reused', 'This Idempotency-Key was already used for an import of a different body; use a new key for a new import', {
    errors: [{ in: 'header', pointer: '/idempotency-key', code: 'idempotency_key_reused', message: 'already used with another body' }]
  })
}

function emptyImport (noun: string): ProblemError {
  return invalidField('empty_import', '', 'empty_import', `The body holds no line: send ${noun} as JSON per line. Nothing was written, and an Idempotency-Key sent with it is still unused`)
}

function superseded (kind: ImportKind, id: string): ProblemError {
  return new ProblemError('import_superseded', `A retry under the same Idempotency-Key took import ${id} over while this request was silent; it goes on there: follow it at ${importPath(kind, id)}`)
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
interface Parsed { line: number, input: unknown, nul?: string }

type LineValidator = ReturnType<typeof bodyValidator>
const lineValidators = new WeakMap<object, LineValidator>()
/** The validator of a line schema, compiled once. */
export const validatorFor = (schema: object) => {
  let validate = lineValidators.get(schema)
  if (!validate) lineValidators.set(schema, validate = bodyValidator(schema))
  return validate
}

function lineProblem (line: number, code: ProblemCode, pointer: string, detailCode: string, message: string): LineError {
  return { line, ...fieldFailure(code, pointer, detailCode, message).failure }
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

/** One line as JSON that matches its kind's schema, or why not. */
function parseLine (text: string, line: number, validLine: LineValidator): Parsed | LineError {
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
  return { line, input: value, ...(nul ? { nul: nul.pointer } : {}) }
}

/** Where a batch ends: what its commit records, so that a retry can go on from there. */
interface BatchEnd { bytes: number, lines: number, counted: number, digest: string }

/** What became of an import's request: the import as this request left it, and how it was opened. */
export interface ImportOutcome { kind: Opened['kind'], row: ImportRow }

// The engine handles every kind's lines and rows alike, without looking into them.
type AnyDefinition = ImportDefinition<any, object>
type Batches = ReturnType<AnyDefinition['batches']>

/**
 * Reads, checks and applies every line; returns the import as it ended. The import is opened (or
 * reopened, under its Idempotency-Key) only at the body's first line that is not blank: a body
 * that holds none writes nothing and leaves its key unused. One that holds the body of a completed
 * import is read to its end only to prove that it is that body, and replayed.
 */
export async function runImport<Input, Row, Staged> (definition: ImportDefinition<Input, Row, Staged>, ctx: ImportContext, body: Readable, open: () => Promise<Opened>): Promise<ImportOutcome> {
  const digest = createHash('sha256')
  // What the body is besides its bytes (an envelope's IPCType): a retry must be of the same.
  if (ctx.bodyTag) digest.update(`${ctx.bodyTag}\n`)
  const batches: Batches = (definition as unknown as AnyDefinition).batches(ctx)
  const validLine = validatorFor(definition.lineSchema)
  const kind = definition.kind
  const received = { bytes: 0 }
  let opened: Opened | undefined
  let fence = { id: '', attempt: 0 }
  // A resumed import keeps what its committed batches counted, and goes on after them.
  let counts: Counts = { lines: 0, applied: 0, rejected: 0, findings: {} }
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
  const hold = (row: ImportRow) => {
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
    const checked = await checkBatch(batches, lines)
    await applying
    flushing = false
    applying = commitBatch(kind, definition, batches, ctx, fence, checked, mark, counts).then(() => { committed++ })
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
    ctx.db.update(imports).set({ updatedAt: sql`now()` }).where(current(fence))
      .catch((err: unknown) => ctx.log.warn({ err, importId: fence.id, kind }, 'import heartbeat failed'))
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
        counts = { lines: row.lines, applied: row.applied, rejected: row.rejected, findings: { ...row.findings } }
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
        : parseLine(line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text, lineNo, validLine))
      if (batch.length >= importLimits.batchLines) await flush()
    }
    if (opened === undefined) throw emptyImport(definition.lineNoun)
    if (opened.kind === 'completed') {
      if (storedDigest(digest, ctx.hashPersonal) !== opened.row.bodyHash) throw differentBody()
      return opened
    }
    if (!verified) throw differentBody()
    await flush()
    await applying
  } catch (err) {
    await applying?.catch(() => {})
    if (receiving()) await leave(ctx, kind, fence, opened!.kind === 'new' && committed === 0, err)
    throw err
  } finally {
    clearInterval(heartbeat)
  }
  const [done] = await ctx.db.update(imports)
    .set({ status: 'completed', bodyHash: storedDigest(digest, ctx.hashPersonal), finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(current(fence)).returning()
  if (!done) throw superseded(kind, fence.id)
  return { kind: opened.kind, row: done }
}

/**
 * An import this request stops delivering: interrupted, for a retry under its key to go on; or,
 * when this request opened it and committed nothing, gone, as if it had never been sent.
 */
async function leave (ctx: ImportContext, kind: ImportKind, fence: { id: string, attempt: number }, unused: boolean, err: unknown) {
  const gone = ctx.clientGone()
  ctx.log[gone ? 'info' : 'warn']({ ...(gone ? {} : { err }), importId: fence.id, kind }, unused ? 'import stopped before its first batch' : 'import interrupted')
  try {
    if (unused) await ctx.db.delete(imports).where(current(fence))
    else await ctx.db.update(imports).set({ status: 'interrupted', updatedAt: sql`now()` }).where(current(fence))
  } catch (cause) {
    ctx.log.error({ err: cause, importId: fence.id }, 'could not mark the import interrupted')
  }
}

/** The import, as long as this request still delivers it (no retry has taken it over). */
function current (fence: { id: string, attempt: number }): SQL {
  return and(eq(imports.id, fence.id), eq(imports.attempts, fence.attempt), eq(imports.status, 'receiving'))!
}

interface CheckedBatch { rows: Array<CheckedRow<object>>, staged: unknown, errors: LineError[], firstLine: number, lastLine: number }

/** Checks a batch's parsed lines by its kind's rules, and stages its rows; a line whose value holds a NUL is refused here if its rules did not. */
async function checkBatch (batches: Batches, batch: Array<Parsed | LineError>): Promise<CheckedBatch> {
  const parsed = batch.filter((b): b is Parsed => 'input' in b)
  const errors = batch.filter((b): b is LineError => !('input' in b))
  const checked = await batches.check(parsed)
  errors.push(...checked.errors)
  // The rules refuse a NUL where they read a value (a number, a plate) in words of their own; anywhere else, here.
  const nulAt = new Map(parsed.flatMap((p) => p.nul === undefined ? [] : [[p.line, p.nul] as const]))
  const rows = nulAt.size === 0 ? checked.rows : checked.rows.filter((r) => !nulAt.has(r.line))
  for (const r of nulAt.size === 0 ? [] : checked.rows.filter((r) => nulAt.has(r.line))) {
    errors.push(lineProblem(r.line, 'validation_failed', nulAt.get(r.line)!, 'nul_character', 'holds a NUL character (U+0000), which cannot be stored'))
  }
  return { rows, staged: rows.length ? batches.stage?.(rows) : undefined, errors, firstLine: batch[0]!.line, lastLine: batch.at(-1)!.line }
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
/** PostgreSQL's jsonb takes no NUL character and no lone surrogate: should a message ever quote one, it is stored as U+FFFD. */
const storable = (_name: string, value: unknown) => typeof value === 'string' ? value.replaceAll('\u0000', '\uFFFD').replace(loneSurrogate, '\uFFFD') : value

/** What an import has counted so far. */
interface Counts { lines: number, applied: number, rejected: number, findings: Findings }

/** Commits a checked batch with its counts, refused lines, findings, where it ends, and one audit event. */
async function commitBatch (
  kind: ImportKind, definition: Pick<ImportDefinition<unknown, object>, 'entityType' | 'batchAction' | 'findingsOf'>, batches: Batches, ctx: ImportContext, fence: { id: string, attempt: number },
  { rows, staged, errors, firstLine, lastLine }: CheckedBatch, mark: BatchEnd, counts: Counts
) {
  const outcome = await ctx.db.transaction(async (tx) => {
    // Not flushed to disk one batch at a time: a crash can lose only the last batches, and with
    // them the progress they recorded, so a retry sends them again. The import's completion is a
    // synchronous commit, which flushes every batch before it, so what the answer reports is durable.
    // Nor compiled: a batch's statement is estimated dear, runs in milliseconds, and JIT cost 0.6 s
    // (see db/client.ts). And, for a kind whose batches of one sender must be written one at a
    // time, whichever instance runs them, its lock: in the same statement, one round trip less a batch.
    const lock = batches.lockKey ? sql`, pg_advisory_xact_lock(hashtextextended(${batches.lockKey}, 0))` : sql``
    await tx.execute(sql`select set_config('synchronous_commit', 'off', true), set_config('jit', 'off', true)${lock}`)
    const written = rows.length ? await batches.write(tx, rows, fence.id, staged) : { applied: 0, errors: [] }
    const refused = [...errors, ...written.errors].sort((a, b) => a.line - b.line)
    const findings = addFindings(addFindings({ ...counts.findings }, written.findings), definition.findingsOf?.(refused))
    if (refused.length) {
      await tx.execute(sql`
        insert into import_errors (import_id, line, code, errors)
        select ${fence.id}::uuid, e.line, e.code, e.errors
        from unnest(${sql.param(refused.map((e) => e.line))}::int[], ${sql.param(refused.map((e) => e.code))}::text[], ${sql.param(refused.map((e) => JSON.stringify(e.errors, storable)))}::jsonb[]) as e(line, code, errors)`)
    }
    const [still] = await tx.update(imports).set({
      lines: mark.counted,
      applied: counts.applied + written.applied,
      rejected: counts.rejected + refused.length,
      findings,
      committedBytes: mark.bytes,
      committedLines: mark.lines,
      committedDigest: mark.digest,
      updatedAt: sql`now()`
    }).where(current(fence)).returning({ id: imports.id })
    if (!still) throw superseded(kind, fence.id)
    if (ctx.auditTrail && (written.applied || refused.length)) {
      await appendAuditEvents(tx, ctx.principal, ctx.requestId, [{
        action: definition.batchAction,
        entityType: definition.entityType,
        entityId: fence.id,
        // A platform's import concerns its enterprise: the platform sees it in its change feed.
        enterpriseId: ctx.principal.role === 'platform' ? ctx.principal.enterpriseId : null,
        jurisdictionCodes: batches.jurisdictionsOf(rows),
        before: null,
        after: { firstLine, lastLine, applied: written.applied, rejected: refused.length }
      }])
    }
    return { applied: written.applied, rejected: refused.length, findings }
  })
  // Counted once committed: a batch that failed counts nothing.
  counts.applied += outcome.applied
  counts.rejected += outcome.rejected
  counts.findings = outcome.findings
}
