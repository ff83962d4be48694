import type { Database } from '../../db/client.js'
import type { Principal } from '../../auth/principal.js'
import type { AuditAction, AuditEntityType } from './actions.js'
import { auditPending } from './table.js'

/** One change, as a service reports it; who and through which request is added by the trail. */
export interface AuditEntry {
  action: AuditAction
  entityType: AuditEntityType
  entityId: string
  /** The enterprise the change concerns, so its platform sees it in the change feed. */
  enterpriseId?: string | null
  jurisdictionCodes: string[]
  before: unknown
  after: unknown
}

export type Audit = (entry: AuditEntry) => void

/** A record as the trail keeps it: its fields, without the warnings derived for the reader. */
export function recordState<T extends { warnings: unknown }> ({ warnings: _warnings, ...state }: T): Omit<T, 'warnings'> {
  return state
}

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

/**
 * Records events in the caller's transaction. They are chained when it commits: a deferred
 * trigger (migrations/0006) runs append_audit_events (migrations/0004), which takes the lock that
 * serialises appends, numbers the events and links each to the previous by its hash.
 */
export async function appendAuditEvents (tx: Database, actor: Principal, requestId: string | null, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return
  const events = entries.map((entry) => {
    const codes = [...entry.jurisdictionCodes].sort()
    return {
      jurisdiction_code: codes[0] ?? national,
      actor_key_id: actor.keyId,
      actor_role: actor.role,
      actor_agency_id: actor.agencyId,
      actor_enterprise_id: actor.enterpriseId,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId,
      enterprise_id: entry.enterpriseId ?? null,
      jurisdiction_codes: codes,
      request_id: requestId,
      before: maskPersonalData(entry.before ?? null),
      after: maskPersonalData(entry.after ?? null)
    }
  })
  await tx.insert(auditPending).values({ events })
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
