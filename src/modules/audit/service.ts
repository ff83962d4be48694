import { and, asc, desc, eq, gt, gte, lt, sql, type SQL } from 'drizzle-orm'
import { rowsOf, type Database } from '../../db/client.js'
import { visibleAuditEvents, type Principal } from '../../auth/principal.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
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

type BrokenReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_seq'

/**
 * Recomputes every link in the database (audit_event_hash, migrations/0004) and reports the
 * first that fails: an edited event, a re-linked chain, or a removed event.
 */
export async function verifyAuditChain (db: Database) {
  const [broken] = rowsOf<{ seq: string, position: string, reason: BrokenReason }>(await db.execute(sql`
    select seq, position, reason from (
      select seq,
        row_number() over (order by seq) as position,
        case
          when seq <> row_number() over (order by seq) then 'missing_seq'
          when prev_hash <> coalesce(lag(hash) over (order by seq), repeat('0', 64)) then 'prev_hash_mismatch'
          when hash <> audit_event_hash(prev_hash, a) then 'hash_mismatch'
        end as reason
      from audit_events a
    ) links where reason is not null order by seq limit 1`))
  if (broken) {
    const position = Number(broken.position)
    return { valid: false, checked: position - 1, lastSeq: position - 1, firstBroken: { seq: broken.reason === 'missing_seq' ? position : Number(broken.seq), reason: broken.reason } }
  }
  const [total] = rowsOf<{ checked: number, last: string | null }>(await db.execute(sql`select count(*)::int as checked, max(seq) as last from audit_events`))
  return { valid: true, checked: total!.checked, lastSeq: Number(total!.last ?? 0), firstBroken: null }
}

const hrefs: Record<string, (id: string) => string> = {
  enterprise: (id) => `/v1/enterprises/${id}`,
  agency: (id) => `/v1/agencies/${id}`,
  api_key: (id) => `/v1/api-keys/${id}`
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
    items: rows.map((r) => ({
      seq: r.seq,
      occurredAt: new Date(r.occurredAt).toISOString(),
      action: currentAction(r.action),
      entityType: r.entityType,
      entityId: r.entityId,
      href: r.entityType === 'api_key' && who.role !== 'admin' ? null : hrefs[r.entityType]?.(r.entityId) ?? null
    })),
    nextCursor: cursors.encode('events', {}, [String(last)])
  }
}
