import { sql, type SQL } from 'drizzle-orm'
import { rowsOf, type Database } from '../../db/client.js'
import { rowsAsSet, type Column, type ColumnType, type ColumnValue } from '../../db/columns.js'
import type { CheckedRow, Findings, ImportDefinition } from '../imports/engine.js'
import { platformLines, platformsOnly } from '../imports/platform-data.js'
import type { LineError } from '../imports/resource.js'
import { fieldFailure } from '../../lib/problems.js'
import { checkOrderLine, completionFields, mergeOrder, type CheckedOrder } from './rules.js'
import { OrderLineSchema, type OrderLine } from './schemas.js'

// A platform's orders, as matched and as completed. A new order is judged as it is written, in
// the same statement, against the licence register as it stood at the match instant; the day's
// compliance figures are kept up to date in that statement too, so that a month's rate is read
// from at most 31 rows a platform, never from its orders.

type Row = CheckedRow<CheckedOrder>

interface Known extends CheckedOrder { line?: number }

const param = (values: unknown[]) => sql.param(values)

/** A completed ride of 0 seconds and under 100 m: a data-quality finding, counted per day (completion fields are set once, so counted once). */
const zeroRideOf = (table: string) => sql.raw(`coalesce(${table}.duration_s = 0 and ${table}.distance_m < 100, false)`)
const zeroRide = sql.raw('coalesce(duration_s = 0 and distance_m < 100, false)')

/**
 * The platform's order under each of these ids (the latest match, should there be more than one),
 * whatever its match time, as a FROM clause: each id is found by its own descent of the primary
 * key, month by month, the newest first. A plain `order_id = any(…)` is planned as a read of every
 * order of the platform, filtered: its cost grew with the table; and without the `limit` a
 * partition's fresh statistics could turn each descent into a bitmap scan, at three times the cost.
 */
export const ordersUnder = (enterpriseId: string, ids: string[] | SQL) =>
  sql`${Array.isArray(ids) ? sql`unnest(${param(ids)}::text[])` : sql`(${ids})`} as i(id)
    cross join lateral (select * from orders o where o.enterprise_id = ${enterpriseId}::uuid and o.order_id = i.id order by o.matched_at desc limit 1) o`

/** The latest match of each of these order ids the platform sent: where it started, the city it counts in, and when. */
export async function latestMatches (db: Database, enterpriseId: string, ids: string[]): Promise<Map<string, { originCode: string, cityCode: string, matchedAt: Date }>> {
  const rows = rowsOf<{ order_id: string, origin_code: string, city_code: string, matched_at: string | Date }>(await db.execute(sql`
    select order_id, origin_code, city_code, matched_at from ${ordersUnder(enterpriseId, ids)}`))
  return new Map(rows.map((r) => [r.order_id, { originCode: r.origin_code, cityCode: r.city_code, matchedAt: new Date(r.matched_at) }]))
}

/** An order as the database holds it, its instants read back as this service writes them. */
interface OrderRecord { order_id: string, city_code: string, origin_code: string, matched_at: string | Date, match_day: string, driver_id_hash: string, plate: string, departed_at: string | Date | null, arrived_at: string | Date | null, distance_m: number | null, duration_s: number | null, fare_fen: string | number | null, pickup_district: string | null }

const epochMs = (v: string | Date | null) => v === null ? null : new Date(v).getTime()
const knownOf = (r: OrderRecord): Known => ({
  orderId: r.order_id,
  cityCode: r.city_code,
  originCode: r.origin_code,
  matchedAt: epochMs(r.matched_at)!,
  matchDay: String(r.match_day).slice(0, 10),
  driverIdHash: r.driver_id_hash,
  plate: r.plate,
  departedAt: epochMs(r.departed_at),
  arrivedAt: epochMs(r.arrived_at),
  distanceM: r.distance_m,
  durationS: r.duration_s,
  fareFen: r.fare_fen === null ? null : Number(r.fare_fen),
  pickupDistrict: r.pickup_district
})

const completionColumns = { departedAt: 'departed_at', arrivedAt: 'arrived_at', distanceM: 'distance_m', durationS: 'duration_s', fareFen: 'fare_fen', pickupDistrict: 'pickup_district' } as const

/** An order's fields as columns of a set (src/db/columns.ts), by their names in the table. */
const orderColumns = {
  orderId: 'text',
  matchedAt: 'timestamptz',
  cityCode: 'char(6)',
  originCode: 'char(6)',
  matchDay: 'date',
  driverIdHash: 'text',
  plate: 'text',
  departedAt: 'timestamptz',
  arrivedAt: 'timestamptz',
  distanceM: 'int',
  durationS: 'int',
  fareFen: 'bigint',
  pickupDistrict: 'char(6)'
} as const satisfies Record<keyof CheckedOrder, ColumnType>
const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
type Field = keyof typeof orderColumns | 'line' | 'rideKnown'
const columnOf = (f: Field): Column<Record<string, ColumnValue>> => [snake(f), f === 'line' ? 'int' : f === 'rideKnown' ? 'boolean' : orderColumns[f], (o) => o[f]]

/** Orders as the set `u`, with these fields as snake_case columns. */
const orderRows = <O extends object>(orders: O[], fields: readonly Field[]) => rowsAsSet(orders as unknown as Array<Record<string, ColumnValue>>, 'u', fields.map(columnOf))
const orderFields = Object.keys(orderColumns) as Array<keyof typeof orderColumns>

/**
 * A licence `l` in force at the order `u`'s match, by licence_in_force_at (migration 0014). Its
 * shortcut for a licence never changed (version 1: what it holds now it held then) is written out
 * here, because PostgreSQL does not inline a function with subqueries, and most licences are at
 * version 1: the function is called only for those with a history.
 */
const inForce = sql.raw(`case when l.version = 1 then l.valid_from <= u.match_day and l.valid_until >= u.match_day and l.status = 'active'
  else licence_in_force_at(l.jurisdiction_code, l.id, l.version, l.status, l.valid_from, l.valid_until, u.matched_at, u.match_day) end`)

/**
 * In one statement: the orders the platform already holds under these ids (whatever their match
 * time), returned; and the others judged, inserted and added to their days' figures. An order is
 * judged by the driver certificate and the vehicle certificate, each of the order's city, in force
 * at the match instant by the licence history (licence_in_force_at, migration 0014; in_city, 0017).
 * Most batches are of orders never sent before: their ids are looked up in the statement that
 * writes them, not in one of their own. No `on conflict`: the batch's lock (lockKey below) lets no
 * other write of the platform's orders in between the lookup and the insert, so an order that is
 * there is known; an insert that met one all the same would be a fault, and fails the batch rather
 * than dropping the order unseen. (It also spares each insert a probe of the primary key.)
 */
async function insertNew (tx: Database, enterpriseId: string, importId: string | null, input: SQL): Promise<{ inserted: number, zeroRides: number, known: Map<string, Known> }> {
  const [result] = rowsOf<{ inserted: number, zero_rides: number, known: OrderRecord[] | string | null }>(await tx.execute(sql`
    with input as (
      select * from ${input}
    ), known as materialized (
      select o.order_id, o.city_code, o.origin_code, o.matched_at, o.match_day, o.driver_id_hash, o.plate, o.departed_at, o.arrived_at, o.distance_m, o.duration_s, o.fare_fen, o.pickup_district
      from ${ordersUnder(enterpriseId, sql`select order_id from input`)}
    ), judged as materialized (
      -- Materialized: each certificate is looked up once an order, however often the verdict reads it.
      select u.*,
        (select l.id from licences l
          where l.type = 'driver_certificate' and l.driver_id_hash = u.driver_id_hash and in_city(l.jurisdiction_code, u.city_code) and ${inForce}
          order by l.id desc limit 1) as driver_licence_id,
        (select l.id from licences l
          where l.type = 'vehicle_certificate' and l.plate = u.plate and in_city(l.jurisdiction_code, u.city_code) and ${inForce}
          order by l.id desc limit 1) as vehicle_licence_id
      from input u
      where u.order_id not in (select order_id from known)
    ), inserted as (
      insert into orders (enterprise_id, order_id, matched_at, city_code, origin_code, match_day, driver_id_hash, plate,
        departed_at, arrived_at, distance_m, duration_s, fare_fen, pickup_district, verdict, driver_licence_id, vehicle_licence_id, import_id, import_line)
      select ${enterpriseId}::uuid, order_id, matched_at, city_code, origin_code, match_day, driver_id_hash, plate,
        departed_at, arrived_at, distance_m, duration_s, fare_fen, pickup_district,
        case when driver_licence_id is null and vehicle_licence_id is null then 'both_unlicensed'
          when driver_licence_id is null then 'driver_unlicensed'
          when vehicle_licence_id is null then 'vehicle_unlicensed'
          else 'compliant' end,
        driver_licence_id, vehicle_licence_id, ${importId}::uuid, line
      from judged
      returning city_code, match_day, verdict, ${zeroRide} as zero_ride
    ), counted as (
      insert into order_compliance_daily (city_code, day, enterprise_id, orders, compliant, driver_unlicensed, vehicle_unlicensed, both_unlicensed, zero_ride)
      select city_code, match_day, ${enterpriseId}::uuid, count(*), count(*) filter (where verdict = 'compliant'), count(*) filter (where verdict = 'driver_unlicensed'),
        count(*) filter (where verdict = 'vehicle_unlicensed'), count(*) filter (where verdict = 'both_unlicensed'), count(*) filter (where zero_ride)
      from inserted group by city_code, match_day
      on conflict (city_code, day, enterprise_id) do update set
        zero_ride = order_compliance_daily.zero_ride + excluded.zero_ride,
        orders = order_compliance_daily.orders + excluded.orders,
        compliant = order_compliance_daily.compliant + excluded.compliant,
        driver_unlicensed = order_compliance_daily.driver_unlicensed + excluded.driver_unlicensed,
        vehicle_unlicensed = order_compliance_daily.vehicle_unlicensed + excluded.vehicle_unlicensed,
        both_unlicensed = order_compliance_daily.both_unlicensed + excluded.both_unlicensed
      returning 1
    )
    select (select count(*)::int from inserted) as inserted, (select count(*) filter (where zero_ride)::int from inserted) as zero_rides,
      (select json_agg(known) from known) as known`))
  const known = typeof result!.known === 'string' ? JSON.parse(result!.known) as OrderRecord[] : result!.known ?? []
  return { inserted: result!.inserted, zeroRides: result!.zero_rides, known: new Map(known.map((r) => [r.order_id, knownOf(r)])) }
}

/**
 * Fills in the completion of orders already known (their verdict stands: it was judged at the
 * match), and counts the zero rides it shows: only where this completes the ride's time and
 * distance, so that a ride counted once (a fare sent later, say) is not counted again.
 */
async function complete (tx: Database, enterpriseId: string, importId: string | null, orders: Array<CheckedOrder & { rideKnown: boolean }>): Promise<number> {
  const [result] = rowsOf<{ zero_rides: number }>(await tx.execute(sql`
    with completed as (
      update orders o set ${sql.raw(completionFields.map((f) => `${completionColumns[f]} = u.${completionColumns[f]}`).join(', '))}, import_id = ${importId}::uuid, updated_at = now()
      from ${orderRows(orders, ['orderId', 'matchedAt', 'rideKnown', ...completionFields])}
      where o.enterprise_id = ${enterpriseId}::uuid and o.order_id = u.order_id and o.matched_at = u.matched_at
      returning o.city_code, o.match_day, ${zeroRideOf('o')} and not u.ride_known as zero_ride
    ), counted as (
      update order_compliance_daily d set zero_ride = d.zero_ride + c.n
      from (select city_code, match_day, count(*) filter (where zero_ride) as n from completed group by city_code, match_day) c
      where d.city_code = c.city_code and d.day = c.match_day and d.enterprise_id = ${enterpriseId}::uuid and c.n > 0
      returning 1
    )
    select (select count(*) filter (where zero_ride)::int from completed) as zero_rides`))
  return result!.zero_rides
}

/** The first day of the UTC month of an instant, as its partition names it: one string a month, not one an order. */
function utcMonth (ms: number): string {
  const at = new Date(ms)
  const month = at.getUTCFullYear() * 12 + at.getUTCMonth()
  let start = monthStarts.get(month)
  if (start === undefined) monthStarts.set(month, start = `${at.toISOString().slice(0, 7)}-01`)
  return start
}
const monthStarts = new Map<number, string>()

const noErrors: readonly LineError[] = Object.freeze([])

/**
 * An order as lines leave it, in line order from `from`: each line completes it (the fields it
 * fills in) or conflicts with it and is refused, the message saying where the order was sent (on
 * line `sentOn` of this import, or before it).
 */
function fold (start: Known, lines: Row[], from: number, sentOn: number | undefined): { order: Known, changed: boolean, applied: number, errors: readonly LineError[] } {
  let order = start
  let changed = false
  let applied = 0
  let errors: LineError[] | undefined
  for (let i = from; i < lines.length; i++) {
    const row = lines[i]!
    const merge = mergeOrder(order, row)
    if (merge.invalid) {
      errors ??= []
      errors.push({ line: row.line, ...fieldFailure('invalid_order_times', merge.invalid.pointer, 'before_departure', merge.invalid.message).failure })
      continue
    }
    if (merge.conflict) {
      const where = sentOn === undefined ? 'before' : `on line ${sentOn} of this import`
      const message = `order ${row.orderId} was sent ${where} with ${merge.conflict.field} ${merge.conflict.was}, not ${merge.conflict.now}: an order id names one order`
      errors ??= []
      errors.push({ line: row.line, code: 'order_conflict', errors: [{ in: 'body', pointer: `/${merge.conflict.field}`, code: 'order_conflict', message }] })
      continue
    }
    applied++
    if (merge.changed) {
      order = merge.merged
      changed = true
    }
  }
  return { order, changed, applied, errors: errors ?? noErrors }
}

/** What the Ministry's spot checks look for among the refused lines of an order import. */
export function orderFindings (refused: LineError[]): Findings {
  const findings: Findings = {}
  for (const e of refused) {
    const detail = e.errors[0]?.code
    const name = e.code === 'order_conflict'
      ? 'conflicting_duplicate'
      : detail === 'implausible_time'
        ? 'implausible_time'
        : detail === 'before_match' || detail === 'before_departure' ? 'completed_before_match' : undefined
    if (name) findings[name] = (findings[name] ?? 0) + 1
  }
  return findings
}

/** A batch's orders as `write` takes them: each id's lines, each id as if new, and those as the statement's input. */
interface Staged { linesOf: Map<string, Row[]>, asNew: Map<string, ReturnType<typeof fold>>, input: SQL }

/** The order import of a platform: orders when matched, and again when completed. */
export const orderImport: ImportDefinition<OrderLine, CheckedOrder, Staged> = {
  kind: 'orders',
  entityType: 'order_import',
  batchAction: 'order_import.batch_committed',
  lineSchema: OrderLineSchema,
  lineNoun: 'one order',
  findingsOf: orderFindings,
  authorize: platformsOnly('orders', 'ride_hailing'),
  batches (ctx) {
    const enterpriseId = ctx.principal.enterpriseId!
    // The months this run has made sure have their partition: a batch's orders are mostly of months
    // the batch before wrote. Known only to this run, which ends with the first batch that fails.
    const partitioned = new Set<string>()
    return {
      check: platformLines(ctx, (input: OrderLine, rules) => {
        const checked = checkOrderLine(input, rules)
        return checked.failure ? checked : { row: checked.order }
      }),
      // One platform's order batches one at a time, whichever instance runs them: an order id is
      // looked up and then written, and two batches between those steps could each write it.
      lockKey: `orders:${enterpriseId}`,
      stage (rows) {
        // Each order id's lines, in line order: as if none had been sent before, folded into one
        // order (a match and its completion), the lines that conflict with it refused.
        const linesOf = new Map<string, Row[]>()
        for (const row of rows) {
          const lines = linesOf.get(row.orderId)
          if (lines) lines.push(row)
          else linesOf.set(row.orderId, [row])
        }
        const asNew = new Map([...linesOf].map(([id, lines]) => [id, fold(lines[0]!, lines, 1, lines[0]!.line)]))
        return { linesOf, asNew, input: orderRows([...asNew.values()].map((f) => f.order as Row), ['line', ...orderFields]) }
      },
      async write (tx, _rows, importId, { linesOf, asNew, input }) {
        // A month's partition, the first time this run meets the month: made only for an order that
        // is new (a line refused against a stored order makes none, however odd its month).
        const unseen = [...asNew.values()].filter((f) => !partitioned.has(utcMonth(f.order.matchedAt)))
        if (unseen.length) {
          const stored = await latestMatches(tx, enterpriseId, unseen.map((f) => f.order.orderId))
          const months = [...new Set(unseen.filter((f) => !stored.has(f.order.orderId)).map((f) => utcMonth(f.order.matchedAt)))]
          if (months.length) await tx.execute(sql`select order_partition(m::date) from unnest(${param(months)}::text[]) as m`)
          for (const m of months) partitioned.add(m)
        }
        const written = await insertNew(tx, enterpriseId, importId, input)
        let applied = written.inserted
        const errors: LineError[] = []
        const completed: Array<CheckedOrder & { rideKnown: boolean }> = []
        for (const [id, lines] of linesOf) {
          const known = written.known.get(id)
          // An order sent before: each line meets it as the lines before it left it.
          const folded = known ? fold(known, lines, 0, undefined) : asNew.get(id)!
          applied += folded.applied
          if (folded.errors.length) errors.push(...folded.errors)
          // Whether the order's ride (its time and distance) was recorded before this batch, and so already counted.
          if (known && folded.changed) completed.push({ ...folded.order, rideKnown: known.durationS !== null && known.distanceM !== null })
        }
        const zeroRides = written.zeroRides + (completed.length ? await complete(tx, enterpriseId, importId, completed) : 0)
        return { applied, errors, findings: { zero_ride: zeroRides } }
      },
      jurisdictionsOf: (rows) => [...new Set(rows.map((r) => r.cityCode))]
    }
  }
}
