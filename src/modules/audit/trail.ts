import { desc, sql } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import { canonicalJson, sha256 } from '../../lib/canonical.js'
import type { Principal } from '../../auth/principal.js'
import { auditEvents, type AuditEventRow } from './table.js'

/** One change, as a service reports it; who and through which request is added by the trail. */
export interface AuditEntry {
  action: string
  entityType: string
  entityId: string
  /** The enterprise the change concerns, so its platform sees it in the change feed. */
  enterpriseId?: string | null
  jurisdictionCodes: string[]
  before: unknown
  after: unknown
}

export type Audit = (entry: AuditEntry) => void

export const genesisHash = '0'.repeat(64)
const appendLock = 726_2002
const national = '000000'

// Personal data never enters the trail in clear: these fields are masked wherever they appear.
const personalFields = new Set(['idNumber', 'licenseId', 'phone', 'mobile', 'driverName', 'passengerPhone'])

export function maskPersonalData (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskPersonalData)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, personalFields.has(k) && typeof v === 'string' ? maskValue(v) : maskPersonalData(v)]))
}

function maskValue (text: string): string {
  if (text.length <= 2) return '*'.repeat(text.length)
  const keep = text.length >= 11 ? 4 : 1
  return text.slice(0, keep) + '*'.repeat(text.length - keep * 2) + text.slice(-keep)
}

/** The fields a link's hash covers, in a fixed form. */
export function eventHash (prevHash: string, e: Omit<AuditEventRow, 'hash' | 'prevHash'>): string {
  return sha256(prevHash + '\n' + canonicalJson({
    seq: e.seq,
    jurisdictionCode: e.jurisdictionCode,
    occurredAt: new Date(e.occurredAt).toISOString(),
    actorKeyId: e.actorKeyId,
    actorRole: e.actorRole,
    actorAgencyId: e.actorAgencyId,
    actorEnterpriseId: e.actorEnterpriseId,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    enterpriseId: e.enterpriseId,
    jurisdictionCodes: e.jurisdictionCodes,
    requestId: e.requestId,
    before: e.before,
    after: e.after
  }))
}

/**
 * Appends events inside the caller's transaction. The lock serialises appends until commit, so
 * the chain has one order and that order is commit order (what the change feed relies on).
 */
export async function appendAuditEvents (tx: Database, actor: Principal, requestId: string | null, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return
  await tx.execute(sql`select pg_advisory_xact_lock(${appendLock})`)
  const [last] = await tx.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1)
  let seq = last?.seq ?? 0
  let prevHash = last?.hash ?? genesisHash
  const occurredAt = new Date().toISOString()
  const rows = entries.map((entry) => {
    seq += 1
    const codes = [...entry.jurisdictionCodes].sort()
    const event = {
      seq,
      jurisdictionCode: codes[0] ?? national,
      occurredAt,
      actorKeyId: actor.keyId,
      actorRole: actor.role,
      actorAgencyId: actor.agencyId,
      actorEnterpriseId: actor.enterpriseId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      enterpriseId: entry.enterpriseId ?? null,
      jurisdictionCodes: codes,
      requestId,
      before: maskPersonalData(entry.before ?? null),
      after: maskPersonalData(entry.after ?? null)
    }
    const hash = eventHash(prevHash, event)
    const row = { ...event, prevHash, hash }
    prevHash = hash
    return row
  })
  await tx.insert(auditEvents).values(rows)
}

/** A change and its audit events in one transaction, for callers outside a request (CLI, seeds). */
export async function audited<T> (db: Database, actor: Principal, requestId: string | null, work: (tx: Database, audit: Audit) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const entries: AuditEntry[] = []
    const result = await work(tx, (entry) => { entries.push(entry) })
    await appendAuditEvents(tx, actor, requestId, entries)
    return result
  })
}
