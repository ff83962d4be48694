import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import type { licenceStatuses, recordedStatuses, transitionActions } from './table.js'

export type RecordedStatus = typeof recordedStatuses[number]
export type LicenceStatus = typeof licenceStatuses[number]
export type TransitionAction = typeof transitionActions[number]

// active ⇄ suspended; either → revoked (final). Renewal extends validity and keeps the status.
const moves: Record<TransitionAction, { from: RecordedStatus[], to: (from: RecordedStatus) => RecordedStatus }> = {
  suspend: { from: ['active'], to: () => 'suspended' },
  reinstate: { from: ['suspended'], to: () => 'active' },
  revoke: { from: ['active', 'suspended'], to: () => 'revoked' },
  renew: { from: ['active', 'suspended'], to: (from) => from }
}

/** The status after the action, or undefined when the action is impossible from `from`. */
export function nextStatus (from: RecordedStatus, action: TransitionAction): RecordedStatus | undefined {
  return moves[action].from.includes(from) ? moves[action].to(from) : undefined
}

export function possibleActions (from: RecordedStatus): TransitionAction[] {
  return (Object.keys(moves) as TransitionAction[]).filter((action) => moves[action].from.includes(from))
}

// Per zone: its formatter, and the last instant asked and its date (a page of licences asks the
// same instant once per row; Intl formatting is the slow part).
const zones = new Map<string, { format: Intl.DateTimeFormat, at: number, day: string }>()

/** The calendar date (YYYY-MM-DD) at `now` in an IANA time zone. */
export function dateIn (timeZone: string, now: Date = new Date()): string {
  let zone = zones.get(timeZone)
  if (!zone) zones.set(timeZone, zone = { format: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }), at: NaN, day: '' })
  const at = now.getTime()
  if (zone.at !== at) {
    zone.day = zone.format.format(now)
    zone.at = at
  }
  return zone.day
}

/** Today where the licence was issued: validity dates are calendar dates of its jurisdiction. */
export function todayFor (registry: JurisdictionRegistry, jurisdictionCode: string, now: Date = new Date()): string {
  return dateIn(registry.get(jurisdictionCode)?.timeZone ?? 'Asia/Shanghai', now)
}

/** YYYY-MM-DD plus some days. */
export function addDays (day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}

/**
 * What a reader sees: revoked is final; past its last valid day a licence is expired whatever
 * else it is; otherwise the status transitions set. Derived on every read, never stored.
 */
export function effectiveStatus (recorded: RecordedStatus, validUntil: string, today: string): LicenceStatus {
  if (recorded === 'revoked') return 'revoked'
  if (validUntil < today) return 'expired'
  return recorded
}

/** Valid today: active, not expired, and already in force. */
export function validOn (recorded: RecordedStatus, validFrom: string, validUntil: string, today: string): boolean {
  return effectiveStatus(recorded, validUntil, today) === 'active' && validFrom <= today
}
