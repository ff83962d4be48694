import { arrayOverlaps, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { Bind } from '../db/client.js'
import { agencies } from '../modules/agencies/table.js'
import { auditEvents } from '../modules/audit/table.js'
import { enterprises } from '../modules/enterprises/table.js'
import { licences } from '../modules/licences/table.js'

export const roles = ['admin', 'regulator', 'platform', 'public'] as const
export type Role = typeof roles[number]

/** Who is calling: resolved once per request from the API key, or public without one. */
export interface Principal {
  role: Role
  keyId: string | null
  agencyId: string | null
  /** For a regulator: its agency's kind (transport, market_regulation, …). */
  agencyKind: string | null
  enterpriseId: string | null
  /** For a regulator: its agency's jurisdiction and every division under it. */
  jurisdictionCodes: string[]
}

export const publicPrincipal: Principal = Object.freeze({ role: 'public', keyId: null, agencyId: null, agencyKind: null, enterpriseId: null, jurisdictionCodes: [] }) as Principal

export const systemPrincipal = (label: string): Principal & { label: string } =>
  ({ role: 'admin', keyId: null, agencyId: null, agencyKind: null, enterpriseId: null, jurisdictionCodes: [], label })

// What each principal may see, for every table a route reads: the one place tenant isolation
// lives. Services take a Principal and apply these; a record outside answers 404 like a missing one.

// A value is inlined, or with `bind` (a statement prepared once per shape) a placeholder.
const inline: Bind = (_name, value) => value

/** Condition on enterprises: admin all, regulator those operating in its jurisdiction, platform its own. */
export function visibleEnterprises (who: Principal, bind: Bind = inline): SQL | undefined {
  switch (who.role) {
    case 'admin': return undefined
    case 'regulator': return arrayOverlaps(enterprises.jurisdictionCodes, bind('visibleCodes', who.jurisdictionCodes))
    case 'platform': return eq(enterprises.id, bind('visibleEnterprise', who.enterpriseId!))
    default: return eq(enterprises.id, '00000000-0000-0000-0000-000000000000')
  }
}

/** The same rule for a row already read (the prepared point read). */
export function canSeeEnterprise (who: Principal, row: { id: string, jurisdictionCodes: string[] }): boolean {
  switch (who.role) {
    case 'admin': return true
    case 'regulator': return row.jurisdictionCodes.some((code) => who.jurisdictionCodes.includes(code))
    case 'platform': return row.id === who.enterpriseId
    default: return false
  }
}

/** Condition on agencies: admin all, a regulator those in its jurisdiction; nobody else. */
export function visibleAgencies (who: Principal): SQL | undefined {
  switch (who.role) {
    case 'admin': return undefined
    case 'regulator': return inArray(agencies.jurisdictionCode, who.jurisdictionCodes)
    default: return eq(agencies.id, '00000000-0000-0000-0000-000000000000')
  }
}

/** Condition on licences: admin all, a regulator those issued in its jurisdiction, a platform those of its enterprise. */
export function visibleLicences (who: Principal, bind?: Bind): SQL | undefined {
  switch (who.role) {
    case 'admin': return undefined
    // One array parameter rather than a list of them, so that the statement's shape is the same for every city.
    case 'regulator': return bind ? sql`${licences.jurisdictionCode} = any(${bind('visibleCodes', who.jurisdictionCodes)})` : inArray(licences.jurisdictionCode, who.jurisdictionCodes)
    case 'platform': return eq(licences.enterpriseId, (bind ?? inline)('visibleEnterprise', who.enterpriseId!))
    default: return eq(licences.id, '00000000-0000-0000-0000-000000000000')
  }
}

/** The same rule for a row already read. */
export function canSeeLicence (who: Principal, row: { jurisdictionCode: string, enterpriseId: string | null }): boolean {
  switch (who.role) {
    case 'admin': return true
    case 'regulator': return who.jurisdictionCodes.includes(row.jurisdictionCode)
    case 'platform': return row.enterpriseId !== null && row.enterpriseId === who.enterpriseId
    default: return false
  }
}

/** Condition on audit events: admin all, a regulator its jurisdiction's, a platform its own enterprise's. */
export function visibleAuditEvents (who: Principal): SQL | undefined {
  switch (who.role) {
    case 'admin': return undefined
    case 'regulator': return arrayOverlaps(auditEvents.jurisdictionCodes, who.jurisdictionCodes)
    case 'platform': return eq(auditEvents.enterpriseId, who.enterpriseId!)
    default: return eq(auditEvents.seq, -1)
  }
}

/** A code outside the regulator's jurisdiction, if any (other roles are not limited by jurisdiction). */
export function withinJurisdiction (who: Principal, codes: string[]): string | undefined {
  if (who.role !== 'regulator') return undefined
  return codes.find((code) => !who.jurisdictionCodes.includes(code))
}

/**
 * A change to a record shared by several jurisdictions: a regulator may rearrange the divisions it
 * regulates but must leave the others as they are. Returns a code whose presence it changed, if any.
 */
export function changesOutsideJurisdiction (who: Principal, before: string[], after: string[]): string | undefined {
  if (who.role !== 'regulator') return undefined
  const outside = (codes: string[]) => codes.filter((code) => !who.jurisdictionCodes.includes(code))
  const [was, now] = [outside(before), outside(after)]
  return was.find((code) => !now.includes(code)) ?? now.find((code) => !was.includes(code))
}

/** True when the caller regulates every division the record lies in (a status is the whole record's). */
export function governsAll (who: Principal, codes: string[]): boolean {
  return who.role !== 'regulator' || codes.every((code) => who.jurisdictionCodes.includes(code))
}
