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

// Per zone: its formatters, and the calendar date of each quarter hour asked (an import of orders
// asks one date per order; Intl formatting, at microseconds a call, was a tenth of its cost).
interface Zone { date: Intl.DateTimeFormat, clock: Intl.DateTimeFormat, quarters: Map<number, string> }
const zones = new Map<string, Zone>()
const quarterMs = 15 * 60_000

function zoneOf (timeZone: string): Zone {
  let zone = zones.get(timeZone)
  if (!zone) {
    zones.set(timeZone, zone = {
      date: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
      clock: new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }),
      quarters: new Map()
    })
  }
  return zone
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt (zone: Zone, at: number): number {
  const part: Record<string, number> = {}
  for (const p of zone.clock.formatToParts(at)) if (p.type !== 'literal') part[p.type] = Number(p.value)
  return Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!) - Math.floor(at / 1000) * 1000
}

/**
 * The calendar date (YYYY-MM-DD) at `now` in an IANA time zone. A quarter hour (UTC) whose zone
 * offset is the same at its first and last millisecond, and a whole number of quarter hours, lies
 * within one local day: its date is kept. Any other instant (a historical offset of odd minutes, a
 * quarter hour with a transition inside) is formatted on its own.
 */
export function dateIn (timeZone: string, now: Date | number = Date.now()): string {
  const zone = zoneOf(timeZone)
  const at = typeof now === 'number' ? now : now.getTime()
  const quarter = Math.floor(at / quarterMs)
  const known = zone.quarters.get(quarter)
  if (known !== undefined) return known
  const start = quarter * quarterMs
  const offset = offsetAt(zone, start)
  if (offset % quarterMs !== 0 || offsetAt(zone, start + quarterMs - 1) !== offset) return zone.date.format(at)
  if (zone.quarters.size >= 10_000) zone.quarters.clear()
  const day = new Date(start + offset).toISOString().slice(0, 10)
  zone.quarters.set(quarter, day)
  return day
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
