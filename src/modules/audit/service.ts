import { and, asc, eq, gt, gte, lt, type SQL } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import { visibleAuditEvents, type Principal } from '../../auth/principal.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { auditEvents, type AuditEventRow } from './table.js'
import { eventHash, genesisHash } from './trail.js'

export function auditEventToApi (row: AuditEventRow) {
  return {
    seq: row.seq,
    occurredAt: new Date(row.occurredAt).toISOString(),
    actor: { role: row.actorRole as 'admin', keyId: row.actorKeyId, agencyId: row.actorAgencyId, enterpriseId: row.actorEnterpriseId },
    action: row.action,
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

export interface AuditFilters { entityType?: string, entityId?: string, actorKeyId?: string, from?: string, to?: string }

export async function listAuditEvents (db: Database, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined, filters: AuditFilters) {
  const [after] = cursors.decode('audit', filters, cursor) ?? []
  const conditions: Array<SQL | undefined> = [visibleAuditEvents(who), after ? gt(auditEvents.seq, Number(after)) : undefined]
  if (filters.entityType) conditions.push(eq(auditEvents.entityType, filters.entityType))
  if (filters.entityId) conditions.push(eq(auditEvents.entityId, filters.entityId))
  if (filters.actorKeyId) conditions.push(eq(auditEvents.actorKeyId, filters.actorKeyId))
  if (filters.from) conditions.push(gte(auditEvents.occurredAt, filters.from))
  if (filters.to) conditions.push(lt(auditEvents.occurredAt, filters.to))
  const rows = await db.select().from(auditEvents).where(and(...conditions)).orderBy(asc(auditEvents.seq)).limit(limit + 1)
  return page(rows, limit, auditEventToApi, (last) => cursors.encode('audit', filters, [String(last.seq)]))
}

/** Recomputes the whole chain in seq order, in batches, and reports the first link that fails. */
export async function verifyAuditChain (db: Database, batch = 1000) {
  let expectedSeq = 1
  let prevHash = genesisHash
  let checked = 0
  for (;;) {
    const rows = await db.select().from(auditEvents).where(gte(auditEvents.seq, expectedSeq)).orderBy(asc(auditEvents.seq)).limit(batch)
    for (const row of rows) {
      const broken = (reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_seq') => ({ valid: false, checked, lastSeq: row.seq, firstBroken: { seq: reason === 'missing_seq' ? expectedSeq : row.seq, reason } })
      if (row.seq !== expectedSeq) return broken('missing_seq')
      if (row.prevHash !== prevHash) return broken('prev_hash_mismatch')
      if (eventHash(row.prevHash, row) !== row.hash) return broken('hash_mismatch')
      checked++
      prevHash = row.hash
      expectedSeq++
    }
    if (rows.length < batch) return { valid: true, checked, lastSeq: expectedSeq - 1, firstBroken: null }
  }
}

const hrefs: Record<string, (id: string) => string> = {
  enterprise: (id) => `/v1/enterprises/${id}`,
  agency: (id) => `/v1/agencies/${id}`,
  api_key: (id) => `/v1/api-keys/${id}`
}

/**
 * The change feed: what the caller may see, after its cursor, in commit order. The cursor moves
 * past every event read, visible or not, so a poller misses nothing and sees nothing twice.
 */
export async function changesAfter (db: Database, who: Principal, cursors: Cursors, after: string | undefined, limit: number) {
  const [from] = cursors.decode('events', {}, after, 'after') ?? ['0']
  const rows = await db.select().from(auditEvents)
    .where(and(gt(auditEvents.seq, Number(from)), visibleAuditEvents(who)))
    .orderBy(asc(auditEvents.seq)).limit(limit)
  const last = rows.at(-1)?.seq ?? Number(from)
  return {
    items: rows.map((r) => ({
      seq: r.seq,
      occurredAt: new Date(r.occurredAt).toISOString(),
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      href: hrefs[r.entityType]?.(r.entityId) ?? null
    })),
    nextCursor: cursors.encode('events', {}, [String(last)])
  }
}
