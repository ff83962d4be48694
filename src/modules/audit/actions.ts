// What the trail records, in one list: the writers are typed by it and the document lists it.
// One naming scheme: `<entity type>.<what happened to it, past tense>`.

export const auditEntityTypes = ['agency', 'api_key', 'enterprise', 'licence', 'licence_import', 'roster_import', 'order_import', 'complaint_import'] as const
export type AuditEntityType = (typeof auditEntityTypes)[number]

export const auditActions = [
  'agency.created',
  'agency.updated',
  'api_key.issued',
  'api_key.revoked',
  'enterprise.registered',
  'enterprise.updated',
  'enterprise.status_changed',
  'licence.issued',
  'licence.suspended',
  'licence.reinstated',
  'licence.revoked',
  'licence.renewed',
  'licence.seeded',
  'licence_import.batch_committed',
  'roster_import.batch_committed',
  'order_import.batch_committed',
  'complaint_import.batch_committed'
] as const
export type AuditAction = (typeof auditActions)[number]

/**
 * Names written by 0.1.0 before the scheme was one. The chain hashes each event as stored, so a
 * stored name is never rewritten (GET /v1/audit/verify keeps holding on an existing
 * installation); readers are shown the name it has now.
 */
const renamed: Record<string, AuditAction> = {
  'licence.suspend': 'licence.suspended',
  'licence.reinstate': 'licence.reinstated',
  'licence.revoke': 'licence.revoked',
  'licence.renew': 'licence.renewed',
  'licence.imported': 'licence_import.batch_committed'
}

/** A stored action as readers see it. */
export function currentAction (stored: string): AuditAction {
  return renamed[stored] ?? (stored as AuditAction)
}
