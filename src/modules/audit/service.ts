import { and, asc, desc, eq, gt, gte, lt, sql, type SQL } from 'drizzle-orm'
import { rowsOf, type Database } from '../../db/client.js'
import { visibleAuditEvents, type Principal } from '../../auth/principal.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { eventHashAt, firstBrokenLink, latestCheckpoint, type AuditSigner, type BrokenReason, type Checkpoint } from './checkpoints.js'
import { currentAction, type AuditEntityType } from './actions.js'
import { auditEvents, type AuditEventRow } from './table.js'

export function auditEventToApi (row: AuditEventRow) {
  return {
    seq: row.seq,
    occurredAt: new Date(row.occurredAt).toISOString(),
    actor: { role: row.actorRole as 'admin', keyId: row.actorKeyId, agencyId: row.actorAgencyId, enterpriseId: row.actorEnterpriseId },
    action: currentAction(row.action),
    entityType: row.entityType,
    entityId: row.entityId,
    enterpriseId: row.enterpriseId,
    jurisdictionCodes: row.jurisdictionCodes,
    requestId: row.requestId,
    before: row.before,
    after: row.after,
    prevHash: row.prevHash,
    hash: row.hash
  }
}

export interface AuditFilters { entityType?: AuditEntityType, entityId?: string, actorKeyId?: string, order?: 'oldest' | 'newest', from?: string, to?: string }

export async function listAuditEvents (db: Database, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined, filters: AuditFilters) {
  const [after] = cursors.decode('audit', filters, cursor) ?? []
  const newest = filters.order === 'newest'
  const conditions: Array<SQL | undefined> = [visibleAuditEvents(who), after ? (newest ? lt : gt)(auditEvents.seq, Number(after)) : undefined]
  if (filters.entityType) conditions.push(eq(auditEvents.entityType, filters.entityType))
  if (filters.entityId) conditions.push(eq(auditEvents.entityId, filters.entityId))
  if (filters.actorKeyId) conditions.push(eq(auditEvents.actorKeyId, filters.actorKeyId))
  if (filters.from) conditions.push(gte(auditEvents.occurredAt, filters.from))
  if (filters.to) conditions.push(lt(auditEvents.occurredAt, filters.to))
  const rows = await db.select().from(auditEvents).where(and(...conditions)).orderBy((newest ? desc : asc)(auditEvents.seq)).limit(limit + 1)
  return page(rows, limit, auditEventToApi, (last) => cursors.encode('audit', filters, [String(last.seq)]))
}

export type CheckpointSource = 'published' | 'given'

/**
 * Recomputes every link in the database and reports the first that fails, then compares the chain
 * with a checkpoint: the caller's own copy, or else the latest published one. The chain must still
 * hold the event signed there, with the hash signed: removing the newest events, or rewriting one
 * and recomputing every later hash, is caught, as far as the checkpoint reaches.
 */
export async function verifyAuditChain (db: Database, signer: AuditSigner, copy: string | undefined, given?: Checkpoint) {
  const broken = await firstBrokenLink(db)
  const [total] = rowsOf<{ checked: number, last: string | null }>(await db.execute(sql`select count(*)::int as checked, max(seq) as last from audit_events`))
  const chain = broken
    ? { checked: broken.seq - 1, lastSeq: broken.seq - 1 }
    : { checked: total!.checked, lastSeq: Number(total!.last ?? 0) }
  const checkpoint = given ?? await latestCheckpoint(db, copy)
  if (!checkpoint) return { valid: !broken, ...chain, firstBroken: broken ?? null, checkpoint: null }

  const signatureValid = signer.verifies(checkpoint)
  const hashThere = await eventHashAt(db, checkpoint.seq)
  const matches = hashThere === checkpoint.hash
  let found: { seq: number, reason: BrokenReason | CheckpointFinding } | undefined = broken
  if (!found && !signatureValid) found = { seq: checkpoint.seq, reason: 'checkpoint_signature_invalid' }
  if (!found && hashThere === undefined) found = { seq: Number(total!.last ?? 0) + 1, reason: 'truncated_before_checkpoint' }
  if (!found && !matches) found = { seq: checkpoint.seq, reason: 'checkpoint_mismatch' }
  return {
    valid: !found,
    ...chain,
    firstBroken: found ?? null,
    checkpoint: { ...checkpoint, source: (given ? 'given' : 'published') as CheckpointSource, signatureValid, matches }
  }
}

type CheckpointFinding = 'checkpoint_signature_invalid' | 'truncated_before_checkpoint' | 'checkpoint_mismatch'

// Where each kind of record is read, and who may read it there. A link is given only to a caller
// that may follow it: a key is read by admins only, an import by the agency that ran it.
const readers: Record<string, { href: (id: string) => string, readable: (who: Principal, row: AuditEventRow) => boolean }> = {
  enterprise: { href: (id) => `/v1/enterprises/${id}`, readable: () => true },
  agency: { href: (id) => `/v1/agencies/${id}`, readable: (who) => who.role !== 'platform' },
  api_key: { href: (id) => `/v1/api-keys/${id}`, readable: (who) => who.role === 'admin' },
  licence: { href: (id) => `/v1/licences/${id}`, readable: () => true },
  licence_import: { href: (id) => `/v1/licence-imports/${id}`, readable: (who, row) => who.role === 'admin' || (who.role === 'regulator' && row.actorAgencyId === who.agencyId) },
  roster_import: { href: (id) => `/v1/roster-imports/${id}`, readable: (who, row) => who.role === 'admin' || (who.role === 'platform' && row.actorEnterpriseId === who.enterpriseId) },
  order_import: { href: (id) => `/v1/order-imports/${id}`, readable: (who, row) => who.role === 'admin' || (who.role === 'platform' && row.actorEnterpriseId === who.enterpriseId) }
}

/** Records a change made besides its own: the licences an import entered, listed by the import's id. */
function relatedTo (row: AuditEventRow) {
  return row.entityType === 'licence_import' ? { licences: `/v1/licences?importId=${row.entityId}` } : null
}

/**
 * The change feed: what the caller may see, after its cursor, in commit order. Events get their
 * seq as they commit, in order, so nothing can appear behind a cursor: a poller misses nothing
 * and sees nothing twice.
 */
export async function changesAfter (db: Database, who: Principal, cursors: Cursors, after: string | undefined, limit: number) {
  const [from] = cursors.decode('events', {}, after, 'after') ?? ['0']
  const rows = await db.select().from(auditEvents)
    .where(and(gt(auditEvents.seq, Number(from)), visibleAuditEvents(who)))
    .orderBy(asc(auditEvents.seq)).limit(limit)
  const last = rows.at(-1)?.seq ?? Number(from)
  return {
    items: rows.map((r) => {
      const reader = readers[r.entityType]
      return {
        seq: r.seq,
        occurredAt: new Date(r.occurredAt).toISOString(),
        action: currentAction(r.action),
        entityType: r.entityType,
        entityId: r.entityId,
        href: reader?.readable(who, r) ? reader.href(r.entityId) : null,
        related: relatedTo(r)
      }
    }),
    nextCursor: cursors.encode('events', {}, [String(last)])
  }
}
