import { fieldFailure, type FieldFailure } from '../../lib/problems.js'
import { platformCity, type PlatformRules } from '../imports/platform-data.js'
import { checkPlate, checkResidentId } from '../licences/identifiers.js'
import { dateIn } from '../licences/lifecycle.js'
import type { OrderLine } from './schemas.js'

// The rules of one order line, as pure functions of the line and what is known: where the
// platform operates, the division register, the time now.

/** An order as it is stored (the driver only as the keyed hash of the ID number; instants in epoch milliseconds). */
export interface CheckedOrder {
  orderId: string
  cityCode: string
  originCode: string
  matchedAt: number
  matchDay: string
  driverIdHash: string
  plate: string
  departedAt: number | null
  arrivedAt: number | null
  distanceM: number | null
  durationS: number | null
  fareFen: number | null
  pickupDistrict: string | null
}

type Failure = FieldFailure
const fail = fieldFailure

/** The earliest match time taken: the national interface's zero (1970-01-01) and other defaults are not times. */
export const earliestMatch = '2010-01-01T00:00:00Z'
/** How far ahead of this service's clock a match time may be (a platform's clock drifts). */
export const aheadMs = 10 * 60_000

/** Whether an instant is before the earliest taken: a default (1970-01-01), not a time of this service's data. */
export const implausiblyEarly = (at: string | Date) => new Date(at).getTime() < earliestMatchMs
const earliestMatchMs = Date.parse(earliestMatch)

/** An RFC 3339 instant the schema lets through but no clock holds: a leap second (23:59:60). */
export const unreadableInstant = (field: string, value: string) =>
  fail('invalid_order_times', `/${field}`, 'leap_second', `${field} ${value} is a leap second (:60), which is not stored: send the second before or after it`)

export function checkOrderLine (input: OrderLine, ctx: PlatformRules): { order: CheckedOrder, failure?: undefined } | { failure: Failure } {
  const place = platformCity(input.jurisdictionCode, ctx)
  if (place.failure) return place
  const { city } = place
  // Each instant read once: a line holds three, and reading one is most of what its rules cost.
  const matched = Date.parse(input.matchedAt)
  const departed = input.departedAt === undefined ? undefined : Date.parse(input.departedAt)
  const arrived = input.arrivedAt === undefined ? undefined : Date.parse(input.arrivedAt)
  const latest = ctx.now.getTime() + aheadMs
  for (const [field, at] of [['matchedAt', matched], ['departedAt', departed], ['arrivedAt', arrived]] as const) {
    if (Number.isNaN(at)) return unreadableInstant(field, input[field]!)
  }
  if (matched < earliestMatchMs) return fail('invalid_order_times', '/matchedAt', 'implausible_time', `matchedAt ${input.matchedAt} is before 2010: a default (such as 1970-01-01), not the match time`)
  if (matched > latest) return fail('invalid_order_times', '/matchedAt', 'in_the_future', `matchedAt ${input.matchedAt} is in the future`)
  for (const [field, at] of [['departedAt', departed], ['arrivedAt', arrived]] as const) {
    if (at !== undefined && at < matched) return fail('invalid_order_times', `/${field}`, 'before_match', `${field} ${input[field]} is before the order was matched (${input.matchedAt})`)
    if (at !== undefined && at > latest) return fail('invalid_order_times', `/${field}`, 'in_the_future', `${field} ${input[field]} is in the future`)
  }
  if (departed !== undefined && arrived !== undefined && arrived < departed) {
    return fail('invalid_order_times', '/arrivedAt', 'before_departure', `arrivedAt ${input.arrivedAt} is before departedAt ${input.departedAt}`)
  }
  if (input.pickupDistrict !== undefined && !ctx.registry.subtree(city.code).includes(input.pickupDistrict)) {
    return fail('validation_failed', '/pickupDistrict', 'outside_city', `${input.pickupDistrict} is not a division of ${city.code} (${city.nameZh}), where the order started`)
  }
  const plate = checkPlate(input.plate)
  if (plate.failure) return fail('invalid_plate', '/plate', plate.failure.code, plate.failure.message)
  const matchDay = dateIn(city.timeZone, matched)
  const id = checkResidentId(input.driverIdNumber, matchDay)
  if (id.failure) return fail('invalid_resident_id', '/driverIdNumber', id.failure.code, id.failure.message)
  return {
    order: {
      orderId: input.orderId,
      cityCode: city.code,
      originCode: input.jurisdictionCode,
      matchedAt: matched,
      matchDay,
      driverIdHash: ctx.hashId(id.id),
      plate: plate.plate,
      departedAt: departed ?? null,
      arrivedAt: arrived ?? null,
      distanceM: input.distanceMetres ?? null,
      durationS: input.durationSeconds ?? null,
      fareFen: input.fareFen ?? null,
      pickupDistrict: input.pickupDistrict ?? null
    }
  }
}

/** The fields a later line may fill in: an order's completion. */
export const completionFields = ['departedAt', 'arrivedAt', 'distanceM', 'durationS', 'fareFen', 'pickupDistrict'] as const

/**
 * What a line makes of an order already known under its id: the same order, completed (the fields
 * it fills in), or a conflict, naming the first field that differs.
 */
export function mergeOrder (known: CheckedOrder, line: CheckedOrder): { merged: CheckedOrder, changed: boolean, conflict?: undefined, invalid?: undefined } | { conflict: { field: string, was: string, now: string }, invalid?: undefined } | { invalid: { pointer: string, message: string }, conflict?: undefined } {
  const instant = (ms: number) => new Date(ms).toISOString()
  const identity = [['matchedAt', instant(known.matchedAt), instant(line.matchedAt)], ['driverIdNumber', known.driverIdHash, line.driverIdHash], ['plate', known.plate, line.plate], ['jurisdictionCode', known.originCode, line.originCode]] as const
  for (const [field, was, now] of identity) {
    if (was !== now) return { conflict: { field, was: field === 'driverIdNumber' ? 'another driver' : was, now: field === 'driverIdNumber' ? 'this one' : now } }
  }
  const merged = { ...known }
  let changed = false
  for (const field of completionFields) {
    const [was, now] = [known[field], line[field]]
    if (now === null || now === was) continue
    const shown = (v: string | number) => field === 'departedAt' || field === 'arrivedAt' ? instant(v as number) : String(v)
    if (was !== null) return { conflict: { field: field === 'distanceM' ? 'distanceMetres' : field === 'durationS' ? 'durationSeconds' : field, was: shown(was), now: shown(now) } }
    Object.assign(merged, { [field]: now })
    changed = true
  }
  // Each line's own times were checked with it; a departure and an arrival sent on different lines meet only here.
  if (changed && merged.departedAt !== null && merged.arrivedAt !== null && merged.arrivedAt < merged.departedAt) {
    const field = line.arrivedAt !== null && known.arrivedAt === null ? 'arrivedAt' : 'departedAt'
    const [arrived, departed] = [instant(merged.arrivedAt), instant(merged.departedAt)]
    return {
      invalid: {
        pointer: `/${field}`,
        message: field === 'arrivedAt' ? `arrivedAt ${arrived} is before departedAt ${departed}, sent earlier for this order` : `departedAt ${departed} is after arrivedAt ${arrived}, sent earlier for this order`
      }
    }
  }
  return { merged, changed }
}
