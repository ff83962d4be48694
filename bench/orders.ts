// `npm run bench:orders`, on PostgreSQL: a city's ride-hailing orders (1,000,000 by default,
// BENCH_ORDERS) streamed over HTTP as NDJSON to the order import, judged there against a licence
// register loaded first (20,000 driver and 20,000 vehicle certificates; one order in ten by a driver
// or a vehicle without one), beside a raw COPY of the same rows, verdicts included, into an
// identical, freshly migrated database in the same run (before the import and after it, timed as
// the mean of the two); the server's resident memory while it
// imports; then a city with 10,000,000 orders in one month (BENCH_MONTH_ORDERS), filled straight in
// SQL with its daily figures, and a regulator's reads of its compliance rate and ranking over HTTP:
// p50, p95 and p99 latency. Prints a summary and exits 1 if a target is missed.
import type { ChildProcess } from 'node:child_process'
import autocannon from 'autocannon'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { systemPrincipal } from '../src/auth/principal.js'
import { defaultConfig } from '../src/config.js'
import { createAgency } from '../src/modules/agencies/service.js'
import { issueApiKey } from '../src/modules/api-keys/service.js'
import { audited } from '../src/modules/audit/trail.js'
import { registerEnterprise } from '../src/modules/enterprises/service.js'
import { organisationCodeCheck, usccCheckCharacter } from '../src/modules/enterprises/uscc.js'
import { addDays, dateIn } from '../src/modules/licences/lifecycle.js'
import { checkLicence } from '../src/modules/licences/rules.js'
import type { IssueLicence } from '../src/modules/licences/schemas.js'
import { insertLicences } from '../src/modules/licences/service.js'
import type { OrderLine, OrderVerdict } from '../src/modules/orders/schemas.js'
import { sampleResidentId, samplePlate, sampleVin } from '../src/seed/licence-samples.js'
import { benchConfig, benchDatabases, copyBaseline, importOverHttp, memoryOf, seconds, startServer, stopServers, warmUpSeconds, type Request } from './harness.js'

const total = Number(process.env.BENCH_ORDERS ?? 1_000_000)
const monthOrders = Number(process.env.BENCH_MONTH_ORDERS ?? 10_000_000)
// The reads run on a few connections: a bureau's dashboards, not a crowd.
const readConnections = Number(process.env.BENCH_READ_CONNECTIONS ?? 4)
const fillWorkers = Number(process.env.BENCH_FILL_WORKERS ?? 2)
const platforms = 24
const licensed = 20_000
const unlicensed = 5000
const linesPerChunk = 500
const city = '440100'
const districts = ['440103', '440104', '440105', '440106', '440111', '440112', '440113', '440114', '440115', '440117', '440118']

// Months in the city's calendar: the reads' month is the last one ended; the orders sent over HTTP
// are of the two before it (2026-09 and 2026-10 when run in 2026-12).
const shanghai = 8 * 3600_000
const monthBefore = (month: string) => addDays(`${month}-01`, -1).slice(0, 7)
const readMonth = monthBefore(dateIn('Asia/Shanghai').slice(0, 7))
const importMonths = [monthBefore(monthBefore(readMonth)), monthBefore(readMonth)]
const importFrom = Date.parse(`${importMonths[0]}-01T00:00:00+08:00`)
const importTo = Date.parse(`${readMonth}-01T00:00:00+08:00`)

const targets = { ratio: 0.5, rssMb: 200, p95Ms: 100 }

// ---- The register and the orders, from serial numbers ----

/** Drivers 0…19,999 hold a driver certificate, 20,000…24,999 none; the same for vehicles and their plates. */
const driverIds = Array.from({ length: licensed + unlicensed }, (_, i) => sampleResidentId('440106', addDays('1965-01-01', Math.floor(i / 1000) * 97).replaceAll('-', ''), i))
const plates = Array.from({ length: licensed + unlicensed }, (_, i) => i % 10 === 0 ? samplePlate('粤A', i, true) : samplePlate('粤A', i))

interface Register {
  agencyId: string
  enterpriseIds: string[]
  platformKey: string
  regulatorKey: string
  /** The keyed hash of each driver's ID number, as the server computes it. */
  driverHashes: string[]
  /** The certificate of each licensed driver and vehicle. */
  driverLicences: string[]
  vehicleLicences: string[]
}

/** The k-th order: when, by whom, in what; one in ten by an unlicensed driver (4 %), vehicle (4 %) or both (2 %); one in a thousand a zero ride. */
function order (k: number) {
  const bothOut = k % 50 === 17
  const driverOut = bothOut || k % 25 === 3
  const vehicleOut = bothOut || k % 25 === 11
  const driver = driverOut ? licensed + (k % unlicensed) : (k * 7919) % licensed
  const vehicle = vehicleOut ? licensed + (k % unlicensed) : (k * 104729) % licensed
  const matched = Math.floor((importFrom + (importTo - importFrom) * (k + 0.5) / total) / 1000) * 1000
  const zero = k % 1000 === 999
  const ride = zero ? 0 : 300 + (k * 37) % 2400
  const departed = matched + (120 + (k * 13) % 480) * 1000
  const verdict: OrderVerdict = bothOut ? 'both_unlicensed' : driverOut ? 'driver_unlicensed' : vehicleOut ? 'vehicle_unlicensed' : 'compliant'
  return {
    orderId: `GZ${String(k).padStart(10, '0')}`,
    district: districts[k % districts.length]!,
    matched,
    driver,
    vehicle,
    departed,
    arrived: departed + ride * 1000,
    distance: zero ? 40 : ride * (5 + k % 7),
    ride,
    fare: 1000 + Math.round(ride * 2.2),
    verdict
  }
}

/** An instant as a platform writes it: RFC 3339 in Beijing time. */
const local = (ms: number) => new Date(ms + shanghai).toISOString().slice(0, 19) + '+08:00'

function line (k: number): OrderLine {
  const o = order(k)
  return {
    orderId: o.orderId,
    jurisdictionCode: o.district,
    matchedAt: local(o.matched),
    driverIdNumber: driverIds[o.driver]!,
    plate: plates[o.vehicle]!,
    departedAt: local(o.departed),
    arrivedAt: local(o.arrived),
    distanceMetres: o.distance,
    durationSeconds: o.ride,
    fareFen: o.fare,
    pickupDistrict: o.district
  }
}

/** The orders as chunks of NDJSON, made as they are sent. */
function * ndjson (): Generator<Buffer> {
  for (let start = 0; start < total; start += linesPerChunk) {
    let chunk = ''
    for (let k = start; k < Math.min(total, start + linesPerChunk); k++) chunk += JSON.stringify(line(k)) + '\n'
    yield Buffer.from(chunk)
  }
}

const copyColumns = 'enterprise_id, order_id, matched_at, city_code, origin_code, match_day, driver_id_hash, plate, departed_at, arrived_at, distance_m, duration_s, fare_fen, pickup_district, verdict, driver_licence_id, vehicle_licence_id, import_line'

/** The same orders as COPY text, in the form the server stores them, with the verdicts it would reach. */
function * copyRows (register: Register): Generator<Buffer> {
  const platform = register.enterpriseIds[0]!
  const iso = (ms: number) => new Date(ms).toISOString()
  for (let start = 0; start < total; start += linesPerChunk) {
    let chunk = ''
    for (let k = start; k < Math.min(total, start + linesPerChunk); k++) {
      const o = order(k)
      chunk += [platform, o.orderId, iso(o.matched), city, o.district, local(o.matched).slice(0, 10), register.driverHashes[o.driver], plates[o.vehicle], iso(o.departed), iso(o.arrived),
        o.distance, o.ride, o.fare, o.district, o.verdict, register.driverLicences[o.driver] ?? '\\N', register.vehicleLicences[o.vehicle] ?? '\\N', k + 1].join('\t') + '\n'
    }
    yield Buffer.from(chunk)
  }
}

function uscc (n: number): string {
  const body = `MA${String(n).padStart(6, '0')}`
  const first17 = `91440106${body}${organisationCodeCheck(body)}`
  return first17 + usccCheckCharacter(first17)
}

/**
 * Migrates a database through the app; makes the bureau, 24 platforms, a platform key (the first
 * platform's, which sends the orders) and a regulator key, and the register of certificates,
 * through the licence rules (so that a driver's ID number is hashed as the server hashes it).
 */
async function prepare (databaseUrl: string): Promise<Register> {
  const setup = await buildApp({ config: defaultConfig(benchConfig(databaseUrl)), logger: false })
  await setup.ready()
  const operator = systemPrincipal('benchmark')
  const made = await audited(setup.db, operator, 'bench', async (tx, audit) => {
    const context = { jurisdictions: setup.jurisdictions, requestId: 'bench', principal: operator, audit }
    const bureau = await createAgency(tx, { nameZh: '广州市交通运输局', kind: 'transport', jurisdictionCode: city }, setup.jurisdictions, audit)
    const enterpriseIds: string[] = []
    for (let n = 0; n < platforms; n++) {
      enterpriseIds.push((await registerEnterprise(tx, { uscc: uscc(n), nameZh: `广州基准出行科技有限公司${n}`, sectors: ['ride_hailing'], jurisdictionCodes: ['440106'] }, context)).id)
    }
    const regulatorKey = (await issueApiKey(tx, { role: 'regulator', agencyId: bureau.id, label: 'bench' }, operator, audit)).key
    const platformKey = (await issueApiKey(tx, { role: 'platform', enterpriseId: enterpriseIds[0]!, label: 'bench orders' }, operator, audit)).key

    const rules = {
      registry: setup.jurisdictions,
      principal: operator,
      agency: (id: string) => id === bureau.id ? { kind: 'transport', jurisdictionCode: city } : undefined,
      enterprise: (id: string) => enterpriseIds.includes(id) ? { nameZh: '广州基准出行科技有限公司', jurisdictionCodes: ['440106'], sectors: ['ride_hailing'] } : undefined,
      hashId: setup.hashPersonal,
      now: new Date()
    }
    const common = { jurisdictionCode: city, issuingAgencyId: bureau.id, validFrom: '2025-01-01', validUntil: '2029-12-31' }
    const load = async (inputs: IssueLicence[]) => {
      const ids: string[] = []
      let landed = 0
      for (let start = 0; start < inputs.length; start += 5000) {
        const rows = inputs.slice(start, start + 5000).map((input, i) => {
          const checked = checkLicence(input, rules)
          if (checked.failure) throw new Error(`bench licence ${input.number} breaks a rule: ${JSON.stringify(checked.failure)}`)
          return { ...checked.values, line: start + i + 1 }
        })
        for (const r of await insertLicences(tx, rows, { keyId: null, importId: null })) { ids[r.line - 1] = r.id; landed++ }
      }
      if (landed !== inputs.length) throw new Error(`${inputs.length - landed} bench licences were not inserted`)
      return ids
    }
    const driverLicences = await load(driverIds.slice(0, licensed).map((idNumber, i): IssueLicence =>
      ({ ...common, type: 'driver_certificate', number: `${city}驾${String(i).padStart(8, '0')}`, enterpriseId: enterpriseIds[i % platforms]!, idNumber })))
    const vehicleLicences = await load(plates.slice(0, licensed).map((plate, i): IssueLicence =>
      ({ ...common, type: 'vehicle_certificate', number: `${city}运${String(i).padStart(8, '0')}`, enterpriseId: enterpriseIds[i % platforms]!, plate, plateColour: plate.length === 8 ? 'green' : 'blue', vin: sampleVin(i) })))
    return { agencyId: bureau.id, enterpriseIds, platformKey, regulatorKey, driverHashes: driverIds.map((id) => setup.hashPersonal(id)), driverLicences, vehicleLicences }
  })
  // A register in service has its statistics (autovacuum gathers them a minute after a load): without, each certificate is looked up by a bitmap scan and a sort.
  await setup.db.execute(sql`analyze licences`)
  await setup.close()
  return made
}

/** A GET of the API as JSON, for the checks around the measurements. */
async function getJson<T> (port: number, path: string, key: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${key}` } })
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`)
  return await res.json() as T
}

/**
 * A city's month of orders straight in SQL: a table shaped like the month's partition, filled from
 * generate_series on a few connections at once (a range of serials each) without indexes, its
 * daily figures counted from it as the import counts them, then attached as the partition, which
 * builds its indexes and checks its constraints once. The platforms, drivers and vehicles are the
 * register's (their real hashes, certificates and plates), 10 % without a certificate as above.
 */
async function fillMonth (databaseUrl: string, register: Register, month: string, n: number) {
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  const partition = `orders_${month.replace('-', '_')}`
  const timings: Record<string, number> = {}
  let started = performance.now()
  const lap = (name: string) => { timings[name] = (performance.now() - started) / 1000; started = performance.now() }
  if ((await admin.query<{ there: boolean }>('select to_regclass($1) is not null as there', [partition])).rows[0]!.there) throw new Error(`${partition} already exists`)
  // The month's bounds as order_partition(date) makes them (UTC months under this server's TimeZone);
  // the orders are the city's days of the month that fall inside them.
  const [bounds] = (await admin.query<{ lo: string, hi: string, first: string, last: string }>(`
    select date_trunc('month', $1::date)::timestamptz::text as lo, (date_trunc('month', $1::date) + interval '1 month')::timestamptz::text as hi,
      greatest(date_trunc('month', $1::date)::timestamptz, $1::timestamp at time zone 'Asia/Shanghai')::text as first,
      least((date_trunc('month', $1::date) + interval '1 month')::timestamptz, ($1::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai')::text as last`, [`${month}-01`])).rows
  await admin.query(`create table ${partition} (like orders including defaults including constraints)`)
  await admin.query('create table bench_platforms as select n - 1 as n, id from unnest($1::uuid[]) with ordinality as u(id, n)', [register.enterpriseIds])
  await admin.query('create table bench_drivers as select n - 1 as n, hash, licence_id from unnest($1::text[], $2::uuid[]) with ordinality as u(hash, licence_id, n)',
    [register.driverHashes, register.driverHashes.map((_, i) => register.driverLicences[i] ?? null)])
  await admin.query('create table bench_vehicles as select n - 1 as n, plate, licence_id from unnest($1::text[], $2::uuid[]) with ordinality as u(plate, licence_id, n)',
    [plates, plates.map((_, i) => register.vehicleLicences[i] ?? null)])
  await admin.query('alter table bench_drivers add primary key (n); alter table bench_vehicles add primary key (n); alter table bench_platforms add primary key (n); analyze bench_drivers, bench_vehicles, bench_platforms')
  lap('setup')

  const fill = `
    with s as (
      select g,
        date_trunc('second', $3::timestamptz + (($4::timestamptz - $3::timestamptz) * ((g + 0.5) / $5::float8))) as at,
        case when g % 25 = 3 or g % 50 = 17 then ${licensed} + g % ${unlicensed} else (g * 7919) % ${licensed} end as driver,
        case when g % 25 = 11 or g % 50 = 17 then ${licensed} + g % ${unlicensed} else (g * 104729) % ${licensed} end as vehicle,
        case when g % 1000 = 999 then 0 else 300 + (g * 37) % 2400 end as ride,
        (array['${districts.join("','")}'])[(1 + g % ${districts.length})::int] as district
      from generate_series($1::bigint, $2::bigint) g
    )
    insert into ${partition} (enterprise_id, order_id, matched_at, city_code, origin_code, match_day, driver_id_hash, plate, departed_at, arrived_at,
      distance_m, duration_s, fare_fen, pickup_district, verdict, driver_licence_id, vehicle_licence_id)
    select p.id, 'M' || lpad(s.g::text, 10, '0'), s.at, '${city}', s.district, (s.at at time zone 'Asia/Shanghai')::date, d.hash, v.plate,
      s.at + make_interval(secs => 120 + (s.g * 13) % 480), s.at + make_interval(secs => 120 + (s.g * 13) % 480 + s.ride),
      case when s.ride = 0 then 40 else s.ride * (5 + s.g % 7) end, s.ride, 1000 + round(s.ride * 2.2), s.district,
      case when d.licence_id is null and v.licence_id is null then 'both_unlicensed' when d.licence_id is null then 'driver_unlicensed'
        when v.licence_id is null then 'vehicle_unlicensed' else 'compliant' end,
      d.licence_id, v.licence_id
    from s join bench_platforms p on p.n = s.g % ${platforms} join bench_drivers d on d.n = s.driver join bench_vehicles v on v.n = s.vehicle`
  const per = Math.ceil(n / fillWorkers)
  await Promise.all(Array.from({ length: fillWorkers }, async (_, w) => {
    const [lo, hi] = [w * per, Math.min(n, (w + 1) * per) - 1]
    if (lo > hi) return
    const worker = new pg.Client({ connectionString: databaseUrl })
    await worker.connect()
    try {
      await worker.query(fill, [lo, hi, bounds!.first, bounds!.last, n])
    } finally {
      await worker.end()
    }
  }))
  lap('insert')

  // The daily figures, as the import keeps them (src/modules/orders/import.ts).
  await admin.query(`
    insert into order_compliance_daily (city_code, day, enterprise_id, orders, compliant, driver_unlicensed, vehicle_unlicensed, both_unlicensed, zero_ride)
    select city_code, match_day, enterprise_id, count(*), count(*) filter (where verdict = 'compliant'), count(*) filter (where verdict = 'driver_unlicensed'),
      count(*) filter (where verdict = 'vehicle_unlicensed'), count(*) filter (where verdict = 'both_unlicensed'), count(*) filter (where coalesce(duration_s = 0 and distance_m < 100, false))
    from ${partition} group by city_code, match_day, enterprise_id
    on conflict (city_code, day, enterprise_id) do update set
      zero_ride = order_compliance_daily.zero_ride + excluded.zero_ride,
      orders = order_compliance_daily.orders + excluded.orders,
      compliant = order_compliance_daily.compliant + excluded.compliant,
      driver_unlicensed = order_compliance_daily.driver_unlicensed + excluded.driver_unlicensed,
      vehicle_unlicensed = order_compliance_daily.vehicle_unlicensed + excluded.vehicle_unlicensed,
      both_unlicensed = order_compliance_daily.both_unlicensed + excluded.both_unlicensed`)
  lap('daily figures')

  await admin.query("set maintenance_work_mem = '1GB'")
  await admin.query(`alter table orders attach partition ${partition} for values from ('${bounds!.lo}') to ('${bounds!.hi}')`)
  lap('attach (indexes)')
  await admin.query('drop table bench_platforms, bench_drivers, bench_vehicles')
  await admin.query(`vacuum (analyze) ${partition}`)
  await admin.query('analyze orders; analyze order_compliance_daily')
  lap('vacuum, analyze')
  const [size] = (await admin.query<{ table: string, indexes: string }>('select pg_size_pretty(pg_table_size($1)) as table, pg_size_pretty(pg_indexes_size($1)) as indexes', [partition])).rows
  await admin.end()
  return { timings, size: size! }
}

interface Latency { requests: number, failed: number, rps: number, p50: number, p95: number, p99: number }

/** One load run of `next` on the server, every response's latency kept (autocannon's histogram has no p95). */
function measure (port: number, next: () => Request, duration: number): Promise<Latency> {
  const times: number[] = []
  return new Promise<Latency>((resolve, reject) => {
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: readConnections,
      duration,
      requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }]
    }, (err, result) => {
      if (err) return reject(err)
      // Failures (a statement timeout's 503, say) are counted, not thrown: they are a finding, and the other reads still run.
      times.sort((a, b) => a - b)
      const at = (q: number) => times[Math.max(0, Math.min(times.length - 1, Math.ceil(q * times.length) - 1))] ?? NaN
      resolve({ requests: times.length, failed: result.non2xx + result.errors, rps: times.length / result.duration, p50: at(0.5), p95: at(0.95), p99: at(0.99) })
    })
    instance.on('response', (_client, _status, _bytes, responseTime) => { times.push(responseTime) })
  })
}

async function read (label: string, port: number, next: () => Request): Promise<Latency> {
  if (warmUpSeconds > 0) await measure(port, next, warmUpSeconds)
  const figures = await measure(port, next, seconds)
  console.log(`${label.padEnd(46)} ${figures.rps.toFixed(0).padStart(6)} req/s  p50 ${figures.p50.toFixed(1).padStart(6)} ms  p95 ${figures.p95.toFixed(1).padStart(6)} ms  p99 ${figures.p99.toFixed(1).padStart(6)} ms${figures.failed ? `  ${figures.failed} of ${figures.requests} failed` : ''}`)
  return figures
}

const fmt = (n: number) => n.toLocaleString('en')
const summary: Array<{ measure: string, result: string, target: string, ok?: boolean }> = []

const databases = await benchDatabases()
const children: ChildProcess[] = []
try {
  const [apiUrl, copyUrl] = [await databases.create(), await databases.create('_copy')]
  let started = performance.now()
  const api = await prepare(apiUrl)
  const baseline = await prepare(copyUrl)
  console.log(`PostgreSQL; register of ${fmt(licensed)} driver and ${fmt(licensed)} vehicle certificates in ${city}, loaded in ${((performance.now() - started) / 2000).toFixed(1)} s a database`)
  console.log(`ingestion: ${fmt(total)} orders of ${importMonths.join(' and ')} from one platform; reads: ${fmt(monthOrders)} orders in ${readMonth} across ${platforms} platforms, ${readConnections} connections, ${seconds} s a run after ${warmUpSeconds} s of warm-up`)
  const expected = new Map<OrderVerdict, number>()
  for (let k = 0; k < total; k++) { const v = order(k).verdict; expected.set(v, (expected.get(v) ?? 0) + 1) }

  const only = process.env.BENCH_ONLY
  const app = await startServer('app', apiUrl)
  children.push(app.child)
  if (only !== 'reads') {
    // Baseline: the rows, already judged and shaped, copied straight into the same partitioned table
    // (before the import and after it, timed as the mean of the two: see copyBaseline).
    const utcMonths = [...new Set(Array.from({ length: 64 }, (_, d) => new Date(importFrom + (importTo - importFrom) * d / 63).toISOString().slice(0, 7)))]
    // Made before the clock starts, as the lines sent over HTTP are: on this machine the sender shares the server's two cores, and its own work is not what is measured.
    const copies = await copyBaseline(copyUrl, 'orders', copyColumns, [...copyRows(baseline)], total)
    await copies.client.query('select order_partition(m::date) from unnest($1::text[]) as m', [utcMonths.map((m) => `${m}-01`)])
    await copies.copy()

    // The API: one streaming request, its memory sampled while it works.
    const idle = memoryOf(app.child.pid!)
    let highest = idle.rss
    const sampler = setInterval(() => { highest = Math.max(highest, memoryOf(app.child.pid!).rss) }, 250)
    const body = [...ndjson()]
    started = performance.now()
    const imported = await importOverHttp(app.port, api.platformKey, '/v1/order-imports', body)
    const importSeconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    const after = memoryOf(app.child.pid!)
    if (imported.status !== 201 || imported.body.applied !== total) throw new Error(`import answered ${imported.status}: ${JSON.stringify(imported.body).slice(0, 500)}`)
    await copies.copy()
    await copies.end()
    const copySeconds = copies.seconds()

    // The server judged as the generator meant: the same verdicts, and daily figures that add up.
    const check = new pg.Client({ connectionString: apiUrl })
    await check.connect()
    const judged = new Map((await check.query<{ verdict: OrderVerdict, n: number }>('select verdict, count(*)::int as n from orders group by verdict')).rows.map((r) => [r.verdict, r.n]))
    const [daily] = (await check.query<{ n: number }>('select coalesce(sum(orders), 0)::int as n from order_compliance_daily')).rows
    await check.end()
    for (const [verdict, n] of expected) if (judged.get(verdict) !== n) throw new Error(`the server judged ${judged.get(verdict) ?? 0} orders ${verdict}, the generator meant ${n}`)
    if (daily!.n !== total) throw new Error(`the daily figures count ${daily!.n} orders, not ${total}`)
    const rate = await getJson<{ orders: number, rate: number }>(app.port, `/v1/compliance/orders?jurisdiction=${city}&from=${importMonths[0]}-01&to=${addDays(`${readMonth}-01`, -1)}`, api.regulatorKey)
    if (rate.orders !== total) throw new Error(`the compliance rate counts ${rate.orders} orders, not ${total}`)

    const copyRate = total / copySeconds
    const importRate = imported.body.applied / importSeconds
    const ratio = importRate / copyRate
    console.log(`raw COPY        ${fmt(total).padStart(10)} rows in ${copySeconds.toFixed(1).padStart(6)} s  ${copyRate.toFixed(0).padStart(7)} rows/s (${copies.described()})`)
    console.log(`HTTP import     ${fmt(imported.body.applied).padStart(10)} rows in ${importSeconds.toFixed(1).padStart(6)} s  ${importRate.toFixed(0).padStart(7)} rows/s  ratio ${ratio.toFixed(2)} (target ≥ ${targets.ratio.toFixed(2)}); compliance rate ${rate.rate}`)
    console.log(`server memory   idle ${idle.rss.toFixed(0)} MB, highest sampled ${highest.toFixed(0)} MB, peak (VmHWM) ${after.peak.toFixed(0)} MB (target < ${targets.rssMb} MB)`)
    summary.push(
      { measure: `raw COPY of ${fmt(total)} orders`, result: `${copyRate.toFixed(0)} rows/s (${copySeconds.toFixed(1)} s, mean of 2)`, target: '' },
      { measure: `HTTP order import of ${fmt(total)}`, result: `${importRate.toFixed(0)} rows/s (${importSeconds.toFixed(1)} s)`, target: '' },
      { measure: 'HTTP / COPY', result: ratio.toFixed(2), target: `≥ ${targets.ratio.toFixed(2)}`, ok: ratio >= targets.ratio },
      { measure: 'server RSS during ingestion (VmHWM)', result: `${after.peak.toFixed(0)} MB (sampled max ${highest.toFixed(0)}, idle ${idle.rss.toFixed(0)})`, target: `< ${targets.rssMb} MB`, ok: after.peak < targets.rssMb }
    )
  }

  if (only !== 'import') {
    started = performance.now()
    const filled = await fillMonth(apiUrl, api, readMonth, monthOrders)
    const fillSeconds = (performance.now() - started) / 1000
    console.log(`filled ${fmt(monthOrders)} orders of ${readMonth} in ${fillSeconds.toFixed(0)} s (${Object.entries(filled.timings).map(([k, s]) => `${k} ${s.toFixed(1)} s`).join(', ')}); partition ${filled.size.table}, its indexes ${filled.size.indexes}`)
    const asBureau = { authorization: `Bearer ${api.regulatorKey}` }
    const month = await getJson<{ orders: number, rate: number }>(app.port, `/v1/compliance/orders?jurisdiction=${city}&month=${readMonth}`, api.regulatorKey)
    if (month.orders !== monthOrders) throw new Error(`the compliance rate of ${readMonth} counts ${month.orders} orders, not ${monthOrders}`)
    const ranking = await getJson<{ items: unknown[] }>(app.port, `/v1/compliance/orders/ranking?jurisdiction=${city}&month=${readMonth}`, api.regulatorKey)
    if (ranking.items.length !== Math.min(platforms, monthOrders)) throw new Error(`the ranking of ${readMonth} has ${ranking.items.length} platforms, not ${platforms}`)
    const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!
    const reads: Array<[string, () => Request, boolean]> = [
      ['compliance rate: city, month', () => ({ path: `/v1/compliance/orders?jurisdiction=${city}&month=${readMonth}`, headers: asBureau }), true],
      ['compliance rate: one platform, month', () => ({ path: `/v1/compliance/orders?jurisdiction=${city}&month=${readMonth}&enterprise=${pick(api.enterpriseIds)}`, headers: asBureau }), true],
      ['compliance ranking: city, month', () => ({ path: `/v1/compliance/orders/ranking?jurisdiction=${city}&month=${readMonth}`, headers: asBureau }), true],
      // Not a target of this benchmark: the orders themselves, where the month's 10 million rows are read.
      ['(info) failing orders of the month, 50 a page', () => ({ path: `/v1/orders?jurisdiction=${city}&month=${readMonth}&verdict=failing&limit=50`, headers: asBureau }), false]
    ]
    console.log(`rate of ${readMonth}: ${month.rate} over ${fmt(month.orders)} orders`)
    for (const [label, next, gated] of reads) {
      const figures = await read(label, app.port, next)
      summary.push({
        measure: `${label} at ${fmt(monthOrders)}`,
        result: `p50 ${figures.p50.toFixed(1)} / p95 ${figures.p95.toFixed(1)} / p99 ${figures.p99.toFixed(1)} ms, ${figures.rps.toFixed(0)} req/s${figures.failed ? `, ${figures.failed} failed` : ''}`,
        target: gated ? `p95 ≤ ${targets.p95Ms} ms` : '',
        ...(gated ? { ok: figures.p95 <= targets.p95Ms && figures.failed === 0 } : {})
      })
    }
  }

  const widths = [Math.max(...summary.map((s) => s.measure.length)), Math.max(...summary.map((s) => s.result.length))]
  console.log(`\nsummary (PostgreSQL, ${fmt(total)} orders ingested, ${fmt(monthOrders)} in a month for the reads)`)
  for (const s of summary) console.log(`  ${s.measure.padEnd(widths[0]!)}  ${s.result.padEnd(widths[1]!)}  ${s.target.padEnd(14)} ${s.ok === undefined ? '' : s.ok ? 'ok' : 'MISSED'}`)
  const missed = summary.filter((s) => s.ok === false)
  console.log(missed.length ? `${missed.length} target(s) missed` : 'every target met')
  if (missed.length) process.exitCode = 1
} finally {
  await stopServers(children)
  await databases.drop()
}
