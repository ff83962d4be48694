import { sql } from 'drizzle-orm'
import { rowsOf, type Database } from '../../db/client.js'
import type { CheckedRow, Findings, ImportDefinition } from '../imports/engine.js'
import { platformLines, platformsOnly } from '../imports/platform-data.js'
import type { LineError } from '../imports/resource.js'
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
 * The platform's orders under these ids, whatever their match time, as a FROM clause: each id is
 * found by its own descent of the primary key, month by month. A plain `order_id = any(…)` is
 * planned as a read of every order of the platform, filtered: its cost grew with the table.
 */
export const ordersUnder = (enterpriseId: string, ids: string[]) =>
  sql`unnest(${param(ids)}::text[]) as i(id) cross join lateral (select * from orders o where o.enterprise_id = ${enterpriseId}::uuid and o.order_id = i.id offset 0) o`

/** The latest match of each of these order ids the platform sent: where it started, the city it counts in, and when. */
export async function latestMatches (db: Database, enterpriseId: string, ids: string[]): Promise<Map<string, { originCode: string, cityCode: string, matchedAt: Date }>> {
  const rows = rowsOf<{ order_id: string, origin_code: string, city_code: string, matched_at: string | Date }>(await db.execute(sql`
    select distinct on (order_id) order_id, origin_code, city_code, matched_at from ${ordersUnder(enterpriseId, ids)}
    order by order_id, matched_at desc`))
  return new Map(rows.map((r) => [r.order_id, { originCode: r.origin_code, cityCode: r.city_code, matchedAt: new Date(r.matched_at) }]))
}

/** The orders the platform already sent under these ids (any match time). */
async function knownOrders (tx: Database, enterpriseId: string, ids: string[]): Promise<Map<string, Known>> {
  const rows = rowsOf<{ order_id: string, city_code: string, origin_code: string, matched_at: string | Date, match_day: string, driver_id_hash: string, plate: string, departed_at: string | Date | null, arrived_at: string | Date | null, distance_m: number | null, duration_s: number | null, fare_fen: string | number | null, pickup_district: string | null }>(await tx.execute(sql`
    select order_id, city_code, origin_code, matched_at, match_day::text as match_day, driver_id_hash, plate, departed_at, arrived_at, distance_m, duration_s, fare_fen, pickup_district
    from ${ordersUnder(enterpriseId, ids)}`))
  const iso = (v: string | Date | null) => v === null ? null : new Date(v).toISOString()
  return new Map(rows.map((r) => [r.order_id, {
    orderId: r.order_id,
    cityCode: r.city_code,
    originCode: r.origin_code,
    matchedAt: iso(r.matched_at)!,
    matchDay: r.match_day,
    driverIdHash: r.driver_id_hash,
    plate: r.plate,
    departedAt: iso(r.departed_at),
    arrivedAt: iso(r.arrived_at),
    distanceM: r.distance_m,
    durationS: r.duration_s,
    fareFen: r.fare_fen === null ? null : Number(r.fare_fen),
    pickupDistrict: r.pickup_district
  }]))
}

const completionColumns = { departedAt: 'departed_at', arrivedAt: 'arrived_at', distanceM: 'distance_m', durationS: 'duration_s', fareFen: 'fare_fen', pickupDistrict: 'pickup_district' } as const
const completionTypes = { departedAt: 'timestamptz', arrivedAt: 'timestamptz', distanceM: 'int', durationS: 'int', fareFen: 'bigint', pickupDistrict: 'char(6)' } as const
const completion = (of: CheckedOrder[]) => sql.join(completionFields.map((f) => sql`${param(of.map((o) => o[f]))}::${sql.raw(completionTypes[f])}[]`), sql`, `)

/**
 * A licence `l` in force at the order `u`'s match, by licence_in_force_at (migration 0014). Its
 * shortcut for a licence never changed (version 1: what it holds now it held then) is written out
 * here, because PostgreSQL does not inline a function with subqueries, and most licences are at
 * version 1: the function is called only for those with a history.
 */
const inForce = sql.raw(`case when l.version = 1 then l.valid_from <= u.match_day and l.valid_until >= u.match_day and l.status = 'active'
  else licence_in_force_at(l.jurisdiction_code, l.id, l.version, l.status, l.valid_from, l.valid_until, u.matched_at, u.match_day) end`)

/** Makes the partitions of the UTC months these instants fall in, if they are not there yet (one statement; a look-up when they are). */
async function monthPartitions (tx: Database, instants: string[]) {
  const months = [...new Set(instants.map((at) => `${at.slice(0, 7)}-01`))]
  await tx.execute(sql`select order_partition(m::date) from unnest(${param(months)}::text[]) as m`)
}

/**
 * Judges and inserts new orders, and adds them to their days' figures, in one statement: the
 * driver certificate and the vehicle certificate, each of the order's city, in force at the match
 * instant by the licence history (licence_in_force_at, migration 0014; in_city, 0017).
 */
async function insertJudged (tx: Database, enterpriseId: string, importId: string | null, rows: Row[]): Promise<{ inserted: number, zeroRides: number }> {
  await monthPartitions(tx, rows.map((r) => r.matchedAt))
  const [result] = rowsOf<{ inserted: number, zero_rides: number }>(await tx.execute(sql`
    with input as (
      select * from unnest(${param(rows.map((r) => r.line))}::int[], ${param(rows.map((r) => r.orderId))}::text[], ${param(rows.map((r) => r.matchedAt))}::timestamptz[],
        ${param(rows.map((r) => r.cityCode))}::char(6)[], ${param(rows.map((r) => r.originCode))}::char(6)[], ${param(rows.map((r) => r.matchDay))}::date[],
        ${param(rows.map((r) => r.driverIdHash))}::text[], ${param(rows.map((r) => r.plate))}::text[], ${completion(rows)})
        as u(line, order_id, matched_at, city_code, origin_code, match_day, driver_id_hash, plate, ${sql.raw(completionFields.map((f) => completionColumns[f]).join(', '))})
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
      on conflict do nothing
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
    select (select count(*)::int from inserted) as inserted, (select count(*) filter (where zero_ride)::int from inserted) as zero_rides`))
  return { inserted: result!.inserted, zeroRides: result!.zero_rides }
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
      from unnest(${param(orders.map((o) => o.orderId))}::text[], ${param(orders.map((o) => o.matchedAt))}::timestamptz[], ${param(orders.map((o) => o.rideKnown))}::boolean[], ${completion(orders)})
        as u(order_id, matched_at, ride_known, ${sql.raw(completionFields.map((f) => completionColumns[f]).join(', '))})
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

/** The order import of a platform: orders when matched, and again when completed. */
export const orderImport: ImportDefinition<OrderLine, CheckedOrder> = {
  kind: 'orders',
  entityType: 'order_import',
  batchAction: 'order_import.batch_committed',
  lineSchema: OrderLineSchema,
  lineNoun: 'one order',
  findingsOf: orderFindings,
  authorize: platformsOnly('orders', 'ride_hailing'),
  batches (ctx) {
    return {
      check: platformLines(ctx, (input: OrderLine, rules) => {
        const checked = checkOrderLine(input, rules)
        return checked.failure ? checked : { row: checked.order }
      }),
      async write (tx, rows, importId) {
        const enterpriseId = ctx.principal.enterpriseId!
        // One platform's order batches one at a time, whichever instance runs them: an order id
        // is looked up and then written, and two batches between those steps could each write it.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`orders:${enterpriseId}`}, 0))`)
        const known = await knownOrders(tx, enterpriseId, [...new Set(rows.map((r) => r.orderId))])
        const fresh = new Map<string, Row>()
        const completed = new Map<string, CheckedOrder>()
        const errors: LineError[] = []
        let applied = 0
        // In line order: a line meets the order as the lines before it left it.
        for (const row of rows) {
          const before = fresh.get(row.orderId) ?? completed.get(row.orderId) ?? known.get(row.orderId)
          if (!before) {
            fresh.set(row.orderId, row)
            continue
          }
          const merge = mergeOrder(before, row)
          if (merge.conflict) {
            const where = 'line' in before && before.line !== undefined && fresh.has(row.orderId) ? `on line ${before.line} of this import` : 'before'
            const message = `order ${row.orderId} was sent ${where} with ${merge.conflict.field} ${merge.conflict.was}, not ${merge.conflict.now}: an order id names one order`
            errors.push({ line: row.line, code: 'order_conflict', errors: [{ in: 'body', pointer: `/${merge.conflict.field}`, code: 'order_conflict', message }] })
            continue
          }
          applied++
          if (!merge.changed) continue
          if (fresh.has(row.orderId)) fresh.set(row.orderId, { ...merge.merged, line: fresh.get(row.orderId)!.line })
          else completed.set(row.orderId, merge.merged)
        }
        let zeroRides = 0
        if (fresh.size) {
          const inserted = await insertJudged(tx, enterpriseId, importId, [...fresh.values()])
          applied += inserted.inserted
          zeroRides += inserted.zeroRides
        }
        if (completed.size) {
          // Whether the order's ride (its time and distance) was recorded before this batch, and so already counted.
          const rideKnown = (o: CheckedOrder) => { const k = known.get(o.orderId)!; return k.durationS !== null && k.distanceM !== null }
          zeroRides += await complete(tx, enterpriseId, importId, [...completed.values()].map((o) => ({ ...o, rideKnown: rideKnown(o) })))
        }
        return { applied, errors, findings: { zero_ride: zeroRides } }
      },
      jurisdictionsOf: (rows) => [...new Set(rows.map((r) => r.cityCode))]
    }
  }
}
