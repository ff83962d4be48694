import { sql, type SQL } from 'drizzle-orm'
import type { Principal } from '../../auth/principal.js'
import { rowsOf, type Database } from '../../db/client.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { invalidField, ProblemError } from '../../lib/problems.js'
import type { Jurisdiction, JurisdictionRegistry } from '../jurisdictions/registry.js'
import { addDays, dateIn } from '../licences/lifecycle.js'
import { cityInQuery } from '../jurisdictions/cities.js'
import type { OrderApi, OrderVerdict } from './schemas.js'

// The compliance rate and the orders behind it, read as a regulator, a platform or the public may.

/** Whose figures the caller may read in a city: a regulator its cities', a platform only its own. */
function scopeOf (who: Principal, city: Jurisdiction, enterprise: string | undefined): string | undefined {
  if (who.role === 'regulator' && !who.jurisdictionCodes.includes(city.code)) {
    throw new ProblemError('outside_jurisdiction', `${city.code} (${city.nameZh}) is outside your jurisdiction`)
  }
  if (who.role === 'platform') {
    if (enterprise !== undefined && enterprise !== who.enterpriseId) throw new ProblemError('forbidden', 'A platform reads only its own figures and orders')
    return who.enterpriseId!
  }
  return enterprise
}

/** The days of a month, YYYY-MM. */
export function monthDays (month: string): { from: string, to: string } {
  const from = `${month}-01`
  const next = addDays(`${month}-28`, 4).slice(0, 7)
  return { from, to: addDays(`${next}-01`, -1) }
}

function periodOf (query: { month?: string, from?: string, to?: string }): { from: string, to: string } {
  if (query.month !== undefined) {
    if (query.from !== undefined || query.to !== undefined) throw invalidField('validation_failed', '/month', 'month_or_days', 'give a month, or from and to, not both', 'query')
    return monthDays(query.month)
  }
  if (query.from === undefined || query.to === undefined) throw invalidField('validation_failed', query.from === undefined ? '/from' : '/to', 'required', 'give a month (YYYY-MM), or both from and to', 'query')
  if (query.to < query.from) throw invalidField('validation_failed', '/to', 'range_reversed', `to ${query.to} is before from ${query.from}`, 'query')
  if (addDays(query.from, 365) < query.to) throw invalidField('validation_failed', '/to', 'range_too_long', 'a day range holds at most 366 days', 'query')
  return { from: query.from, to: query.to }
}

interface Figures { orders: number, compliant: number, driver_unlicensed: number, vehicle_unlicensed: number, both_unlicensed: number, complaints: number }
const sums = sql.raw(`coalesce(sum(orders), 0)::int as orders, coalesce(sum(compliant), 0)::int as compliant, coalesce(sum(driver_unlicensed), 0)::int as driver_unlicensed,
  coalesce(sum(vehicle_unlicensed), 0)::int as vehicle_unlicensed, coalesce(sum(both_unlicensed), 0)::int as both_unlicensed, coalesce(sum(complaints), 0)::int as complaints`)

const rateOf = (f: Figures) => f.orders === 0 ? null : Math.round((f.compliant / f.orders) * 10_000) / 10_000
const figuresToApi = (f: Figures) => ({
  orders: f.orders,
  compliant: f.compliant,
  rate: rateOf(f),
  byReason: { driver_unlicensed: f.driver_unlicensed, vehicle_unlicensed: f.vehicle_unlicensed, both_unlicensed: f.both_unlicensed },
  complaints: f.complaints,
  complaintsPer10kOrders: f.orders === 0 ? null : Math.round((f.complaints / f.orders) * 100_000) / 10
})

export async function complianceRate (db: Database, who: Principal, registry: JurisdictionRegistry, query: { jurisdiction: string, enterprise?: string, month?: string, from?: string, to?: string }) {
  const city = cityInQuery(registry, query.jurisdiction)
  const enterprise = scopeOf(who, city, query.enterprise)
  const { from, to } = periodOf(query)
  const [figures] = rowsOf<Figures>(await db.execute(sql`
    select ${sums} from order_compliance_daily
    where city_code = ${city.code} and day between ${from}::date and ${to}::date ${enterprise ? sql`and enterprise_id = ${enterprise}::uuid` : sql``}`))
  return { jurisdictionCode: city.code, enterpriseId: enterprise ?? null, from, to, ...figuresToApi(figures!) }
}

/** A city's platforms for a month, highest rate first; equal rates share a rank (then by orders, then name). */
async function rankingOf (db: Database, city: Jurisdiction, month: string, only?: string) {
  const { from, to } = monthDays(month)
  const rows = rowsOf<Figures & { enterprise_id: string, name_zh: string }>(await db.execute(sql`
    select d.enterprise_id, e.name_zh, ${sums}
    from order_compliance_daily d join enterprises e on e.id = d.enterprise_id
    where d.city_code = ${city.code} and d.day between ${from}::date and ${to}::date ${only ? sql`and d.enterprise_id = ${only}::uuid` : sql``}
    group by d.enterprise_id, e.name_zh
    -- A day's row may hold only complaints: a platform is ranked on its orders.
    having sum(d.orders) > 0`))
  const items = rows.map((r) => ({ enterpriseId: r.enterprise_id, enterpriseName: r.name_zh, ...figuresToApi(r) }))
    .sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1) || b.orders - a.orders || a.enterpriseName.localeCompare(b.enterpriseName, 'zh'))
  let rank = 0
  return {
    jurisdictionCode: city.code,
    month,
    items: items.map((item, i) => ({ rank: i > 0 && items[i - 1]!.rate === item.rate ? rank : (rank = i + 1), ...item }))
  }
}

export async function complianceRanking (db: Database, who: Principal, registry: JurisdictionRegistry, query: { jurisdiction: string, month: string }) {
  const city = cityInQuery(registry, query.jurisdiction)
  return rankingOf(db, city, query.month, scopeOf(who, city, undefined))
}

/** The published figures: only of months that have ended in the city, per platform; never an order. */
export async function publishedRanking (db: Database, registry: JurisdictionRegistry, query: { jurisdiction: string, month: string }, now = new Date()) {
  const city = cityInQuery(registry, query.jurisdiction)
  const current = dateIn(city.timeZone, now).slice(0, 7)
  if (query.month >= current) throw invalidField('validation_failed', '/month', 'not_published_yet', `the figures of ${query.month} are published once the month has ended in ${city.nameZh}; the latest published month is ${previousMonth(current)}`, 'query')
  return rankingOf(db, city, query.month)
}

function previousMonth (month: string): string {
  return addDays(`${month}-01`, -1).slice(0, 7)
}

type OrderRow = {
  order_id: string,
  enterprise_id: string,
  city_code: string,
  origin_code: string,
  matched_at: string | Date,
  match_day: string,
  plate: string,
  departed_at: string | Date | null,
  arrived_at: string | Date | null,
  distance_m: number | null,
  duration_s: number | null,
  fare_fen: string | number | null,
  pickup_district: string | null,
  verdict: OrderVerdict,
  driver_licence_id: string | null,
  vehicle_licence_id: string | null,
  created_at: string | Date,
  updated_at: string | Date
}

const iso = (v: string | Date) => new Date(v).toISOString()

function orderToApi (r: OrderRow): OrderApi {
  return {
    orderId: r.order_id,
    enterpriseId: r.enterprise_id,
    jurisdictionCode: r.city_code,
    originCode: r.origin_code,
    matchedAt: iso(r.matched_at),
    matchDay: r.match_day,
    plate: r.plate,
    departedAt: r.departed_at === null ? null : iso(r.departed_at),
    arrivedAt: r.arrived_at === null ? null : iso(r.arrived_at),
    distanceMetres: r.distance_m,
    durationSeconds: r.duration_s,
    fareFen: r.fare_fen === null ? null : Number(r.fare_fen),
    pickupDistrict: r.pickup_district,
    verdict: r.verdict,
    driverLicenceId: r.driver_licence_id,
    vehicleLicenceId: r.vehicle_licence_id,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at)
  }
}

/** The statement of a page of a city's orders: the month's partitions only, in the order of the city's index (match day, platform, order id). */
export function orderPageStatement (cityCode: string, month: string, filters: { enterprise?: string | undefined, verdict?: OrderVerdict | 'failing' | undefined }, after: unknown[] | undefined, limit: number): SQL {
  const { from, to } = monthDays(month)
  // The match instant bounded too (a day either side of the city's days, whatever its zone), so that only the month's partitions are read.
  const conditions: SQL[] = [
    sql`city_code = ${cityCode}`, sql`match_day between ${from}::date and ${to}::date`,
    sql`matched_at >= ${from}::timestamptz - interval '1 day' and matched_at < ${to}::timestamptz + interval '2 days'`
  ]
  if (filters.enterprise) conditions.push(sql`enterprise_id = ${filters.enterprise}::uuid`)
  if (filters.verdict === 'failing') conditions.push(sql`verdict <> 'compliant'`)
  else if (filters.verdict) conditions.push(sql`verdict = ${filters.verdict}`)
  if (after) conditions.push(sql`(match_day, enterprise_id, order_id) > (${after[0]}::date, ${after[1]}::uuid, ${after[2]})`)
  // Ordered by the column, not by the select list's text alias of it: that would sort the month.
  return sql`
    select order_id, enterprise_id, city_code, origin_code, matched_at, match_day::text as match_day, plate, departed_at, arrived_at, distance_m, duration_s, fare_fen,
      pickup_district, verdict, driver_licence_id, vehicle_licence_id, created_at, updated_at
    from orders where ${sql.join(conditions, sql` and `)}
    order by orders.match_day, enterprise_id, order_id limit ${limit + 1}`
}

export async function listOrders (db: Database, who: Principal, registry: JurisdictionRegistry, cursors: Cursors, limit: number, cursor: string | undefined,
  filters: { jurisdiction: string, month: string, enterprise?: string, verdict?: OrderVerdict | 'failing' }) {
  const city = cityInQuery(registry, filters.jurisdiction)
  const enterprise = scopeOf(who, city, filters.enterprise)
  const after = cursors.decode('orders', filters, cursor)
  const rows = rowsOf<OrderRow>(await db.execute(orderPageStatement(city.code, filters.month, { enterprise, verdict: filters.verdict }, after, limit)))
  return page(rows, limit, orderToApi, (last) => cursors.encode('orders', filters, [last.match_day, last.enterprise_id, last.order_id]))
}

/** The data-quality checks per platform for a city's month: permitted without orders, zero rides, refused lines. */
export async function dataQuality (db: Database, who: Principal, registry: JurisdictionRegistry, query: { jurisdiction: string, month: string }) {
  const city = cityInQuery(registry, query.jurisdiction)
  const only = scopeOf(who, city, undefined)
  const { from, to } = monthDays(query.month)
  const rows = rowsOf<{ enterprise_id: string, name_zh: string, orders: number, zero_rides: number, permitted: boolean }>(await db.execute(sql`
    with permits as (
      select distinct enterprise_id from licences
      where type = 'platform_permit' and enterprise_id is not null and status <> 'revoked'
        and jurisdiction_code in (select city_divisions(${city.code})) and valid_from <= ${to}::date and valid_until >= ${from}::date
    ), figures as (
      select enterprise_id, sum(orders)::int as orders, sum(zero_ride)::int as zero_rides from order_compliance_daily
      where city_code = ${city.code} and day between ${from}::date and ${to}::date group by enterprise_id
    ), platforms as (select enterprise_id from permits union select enterprise_id from figures)
    select p.enterprise_id, e.name_zh, coalesce(f.orders, 0) as orders, coalesce(f.zero_rides, 0) as zero_rides, p.enterprise_id in (select enterprise_id from permits) as permitted
    from platforms p join enterprises e on e.id = p.enterprise_id left join figures f on f.enterprise_id = p.enterprise_id
    ${only ? sql`where p.enterprise_id = ${only}::uuid` : sql``}`))
  // By name as a Chinese reader orders names (pinyin), as the ranking breaks its ties.
  rows.sort((a, b) => a.name_zh.localeCompare(b.name_zh, 'zh'))
  // Refused lines of the platforms' order imports started in the month (the city's days).
  const refused = rows.length === 0
    ? []
    : rowsOf<{ enterprise_id: string, code: string, n: number }>(await db.execute(sql`
      select i.enterprise_id, e.code, count(*)::int as n from import_errors e join imports i on i.id = e.import_id
      where i.kind = 'orders' and i.enterprise_id = any(${sql.param(rows.map((r) => r.enterprise_id))}::uuid[])
        and i.started_at >= (${from}::date)::timestamp at time zone ${city.timeZone} and i.started_at < (${to}::date + 1)::timestamp at time zone ${city.timeZone}
      group by i.enterprise_id, e.code`))
  return {
    jurisdictionCode: city.code,
    month: query.month,
    items: rows.map((r) => {
      const refusedLines = Object.fromEntries(refused.filter((x) => x.enterprise_id === r.enterprise_id).map((x) => [x.code, x.n]))
      const findings = [
        ...(r.permitted && r.orders === 0 ? ['no_orders' as const] : []),
        ...(r.zero_rides > 0 ? ['zero_rides' as const] : []),
        ...(Object.keys(refusedLines).length ? ['refused_lines' as const] : [])
      ]
      return { enterpriseId: r.enterprise_id, enterpriseName: r.name_zh, permitted: r.permitted, orders: r.orders, zeroRides: r.zero_rides, refusedLines, findings }
    })
  }
}
