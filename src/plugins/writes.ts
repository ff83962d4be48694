import fp from 'fastify-plugin'
import { and, eq, lt, sql } from 'drizzle-orm'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Database } from '../db/client.js'
import { rowsOf } from '../db/client.js'
import { idempotencyRecords } from '../db/system-tables.js'
import { canonicalJson } from '../lib/canonical.js'
import { ProblemError } from '../lib/problems.js'
import { appendAuditEvents, type Audit, type AuditEntry } from '../modules/audit/trail.js'

export interface WriteOutcome {
  statusCode: number
  body: unknown
  headers?: Record<string, string>
  /** What a replay answers, when the body holds a secret that must not be stored (default: body). */
  replayBody?: unknown
  /** Runs once the change has committed, before the answer goes out (to drop what a cache holds of it). */
  committed?: () => void
}

export type Work = (tx: Database, audit: Audit) => Promise<WriteOutcome>

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs a change in one transaction and sends its answer. The audit events the change reports,
     * and with an Idempotency-Key the stored answer, are written in that same transaction.
     */
    write: (request: FastifyRequest, reply: FastifyReply, work: Work) => Promise<FastifyReply>
  }
}

const retention = 24 * 60 * 60 * 1000

function send (reply: FastifyReply, outcome: WriteOutcome, replayed: boolean) {
  outcome.committed?.()
  if (replayed) reply.header('idempotent-replayed', 'true')
  return reply.code(outcome.statusCode).headers(outcome.headers ?? {}).send(outcome.body)
}

export default fp<{ auditTrail: boolean }>(async function writes (app, opts) {
  // Keys being processed by this replica; other replicas are kept out by the advisory lock below.
  const inFlight = new Set<string>()
  // Expired answers are useless; sweep them hourly so the table stays small.
  const sweeper = setInterval(() => {
    app.db.delete(idempotencyRecords).where(lt(idempotencyRecords.expiresAt, new Date()))
      .catch((err: unknown) => app.log.warn({ err }, 'idempotency sweep failed'))
  }, 60 * 60 * 1000).unref()
  app.addHook('onClose', async () => clearInterval(sweeper))

  app.decorate('write', async function write (request: FastifyRequest, reply: FastifyReply, work: Work) {
    // The change and its audit events; the audit trail is off only in the benchmark's baseline.
    const change = async (tx: Database) => {
      const entries: AuditEntry[] = []
      const outcome = await work(tx, (entry) => { entries.push(entry) })
      if (opts.auditTrail) await appendAuditEvents(tx, request.principal, request.id, entries)
      return outcome
    }
    // Only a route that documents Idempotency-Key keeps its promise (and its 409 and 422 answers).
    const key = takesIdempotencyKey(request) ? request.headers['idempotency-key'] : undefined
    if (typeof key !== 'string') {
      return send(reply, await app.db.transaction(change), false)
    }
    const path = request.url.split('?')[0]
    // Keys are the caller's own: another caller's identical key is another request.
    const scope = `${request.principal.keyId ?? 'public'} ${request.method} ${path}`
    // Keyed: a body may hold personal data (a driver's ID number), which a plain hash would give away.
    const requestHash = app.hashPersonal(`${request.method} ${path}\n${canonicalJson(request.body ?? null)}`)
    const slot = `${scope}\n${key}`
    if (inFlight.has(slot)) throw inFlightProblem()
    inFlight.add(slot)
    try {
      let replayed = false
      const outcome = await app.db.transaction(async (tx) => {
        const [lock] = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(hashtextextended(${slot}, 0)) as locked`))
        if (!lock?.locked) throw inFlightProblem()
        await tx.delete(idempotencyRecords).where(and(eq(idempotencyRecords.scope, scope), eq(idempotencyRecords.key, key), lt(idempotencyRecords.expiresAt, new Date())))
        const [stored] = await tx.select().from(idempotencyRecords).where(and(eq(idempotencyRecords.scope, scope), eq(idempotencyRecords.key, key)))
        if (stored) {
          if (stored.requestHash !== requestHash) {
            throw new ProblemError('idempotency_key_reused', 'This Idempotency-Key was already used for a different request; use a new key for a new request', {
              errors: [{ in: 'header', pointer: '/idempotency-key', code: 'idempotency_key_reused', message: 'already used with another body' }]
            })
          }
          replayed = true
          return { statusCode: stored.statusCode, headers: stored.headers, body: stored.body }
        }
        const fresh = await change(tx)
        await tx.insert(idempotencyRecords).values({
          scope,
          key,
          requestHash,
          statusCode: fresh.statusCode,
          headers: fresh.headers ?? {},
          body: fresh.replayBody ?? fresh.body,
          expiresAt: new Date(Date.now() + retention)
        })
        return fresh
      })
      return send(reply, outcome, replayed)
    } finally {
      inFlight.delete(slot)
    }
  })
}, { name: 'writes', fastify: '5.x', dependencies: ['database', 'auth', 'personal-data'] })

function takesIdempotencyKey (request: FastifyRequest): boolean {
  const headers = request.routeOptions.schema?.headers as { properties?: Record<string, unknown> } | undefined
  return headers?.properties?.['idempotency-key'] !== undefined
}

function inFlightProblem (): ProblemError {
  return new ProblemError('idempotency_request_in_flight', 'A request with this Idempotency-Key is still being processed; retry shortly', { retryAfterSeconds: 1 })
}
