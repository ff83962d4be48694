// `npm run bench:licences`, on PostgreSQL: a city's register of vehicle certificates (1,000,000 by
// default, BENCH_LICENCES) imported over HTTP as NDJSON, beside a raw COPY of the same rows into an
// identical, freshly migrated database in the same run (before the import and after it, timed as
// the mean of the two); the server's resident memory while it imports; then, at that size, a regulator's filtered list pages and the public verification of a
// plate, the API beside a bare Fastify + pg handler running the same queries.
import type { ChildProcess } from 'node:child_process'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { systemPrincipal } from '../src/auth/principal.js'
import { defaultConfig } from '../src/config.js'
import { uuidv7 } from '../src/lib/uuid.js'
import { createAgency } from '../src/modules/agencies/service.js'
import { issueApiKey } from '../src/modules/api-keys/service.js'
import { audited } from '../src/modules/audit/trail.js'
import { registerEnterprise } from '../src/modules/enterprises/service.js'
import { organisationCodeCheck, usccCheckCharacter } from '../src/modules/enterprises/uscc.js'
import { addDays, dateIn } from '../src/modules/licences/lifecycle.js'
import { samplePlate, sampleVin } from '../src/seed/licence-samples.js'
import { benchConfig, benchDatabases, compare, copyBaseline, connections, importOverHttp, memoryOf, rounds, seconds, startServer, stopServers, warmUpSeconds } from './harness.js'

const total = Number(process.env.BENCH_LICENCES ?? 1_000_000)
const linesPerChunk = 500
const today = dateIn('Asia/Shanghai')

interface Register { agencyId: string, enterpriseIds: string[] }

/** The i-th certificate: unique number, plate and VIN; one in ten new-energy; validity spread from 200 days ago to 1,500 ahead. */
function certificate (i: number, register: Register) {
  const newEnergy = i % 10 === 0
  const validUntil = addDays(today, ((i * 7919) % 1700) - 200)
  return {
    type: 'vehicle_certificate' as const,
    number: `440100运${String(i).padStart(8, '0')}`,
    jurisdictionCode: '440100',
    issuingAgencyId: register.agencyId,
    enterpriseId: register.enterpriseIds[i % register.enterpriseIds.length]!,
    validFrom: addDays(validUntil, -1460),
    validUntil,
    plate: newEnergy ? samplePlate('粤A', i / 10, true) : samplePlate('粤A', i),
    plateColour: newEnergy ? 'green' : 'blue',
    vin: sampleVin(i)
  }
}

/** The register as chunks of NDJSON, made as they are sent. */
function * ndjson (register: Register): Generator<Buffer> {
  for (let start = 0; start < total; start += linesPerChunk) {
    let chunk = ''
    for (let i = start; i < Math.min(total, start + linesPerChunk); i++) chunk += JSON.stringify(certificate(i, register)) + '\n'
    yield Buffer.from(chunk)
  }
}

const copyColumns = 'jurisdiction_code, id, type, number, issuing_agency_id, enterprise_id, valid_from, valid_until, plate, plate_colour, vin, import_line'

/** The same rows as COPY text, already in the form the register stores. */
function * copyRows (register: Register): Generator<Buffer> {
  for (let start = 0; start < total; start += linesPerChunk) {
    let chunk = ''
    for (let i = start; i < Math.min(total, start + linesPerChunk); i++) {
      const c = certificate(i, register)
      chunk += [c.jurisdictionCode, uuidv7(), c.type, c.number, c.issuingAgencyId, c.enterpriseId, c.validFrom, c.validUntil, c.plate, c.plateColour, c.vin, i + 1].join('\t') + '\n'
    }
    yield Buffer.from(chunk)
  }
}

function uscc (n: number): string {
  const body = `MA${String(n).padStart(6, '0')}`
  const first17 = `91440106${body}${organisationCodeCheck(body)}`
  return first17 + usccCheckCharacter(first17)
}

/** Migrates a database through the app; makes the bureau, 24 platforms and the keys the load uses. */
async function prepare (databaseUrl: string) {
  const setup = await buildApp({ config: defaultConfig(benchConfig(databaseUrl)), logger: false })
  await setup.ready()
  const operator = systemPrincipal('benchmark')
  const made = await audited(setup.db, operator, 'bench', async (tx, audit) => {
    const context = { jurisdictions: setup.jurisdictions, requestId: 'bench', principal: operator, audit }
    const bureau = await createAgency(tx, { nameZh: '广州市交通运输局', kind: 'transport', jurisdictionCode: '440100' }, setup.jurisdictions, audit)
    const enterpriseIds = []
    for (let n = 0; n < 24; n++) {
      enterpriseIds.push((await registerEnterprise(tx, { uscc: uscc(n), nameZh: `广州基准出行科技有限公司${n}`, sectors: ['ride_hailing'], jurisdictionCodes: ['440106'] }, context)).id)
    }
    const key = (await issueApiKey(tx, { role: 'regulator', agencyId: bureau.id, label: 'bench' }, operator, audit)).key
    return { register: { agencyId: bureau.id, enterpriseIds }, key }
  })
  await setup.close()
  return made
}

const databases = await benchDatabases()
const children: ChildProcess[] = []
try {
  const [apiUrl, copyUrl] = [await databases.create(), await databases.create('_copy')]
  const api = await prepare(apiUrl)
  const baseline = await prepare(copyUrl)
  console.log(`PostgreSQL; ${total.toLocaleString('en')} vehicle certificates; then ${connections} connections, ${seconds} s a run, each side warmed up ${warmUpSeconds} s, then run ${rounds} times interleaved`)

  // Baseline: the rows, already checked and shaped, copied straight into the same table and indexes
  // (before the import and after it, timed as the mean of the two: see copyBaseline).
  // Made before the clock starts, as the lines sent over HTTP are: on this machine the sender shares the server's two cores, and its own work is not what is measured.
  const copies = await copyBaseline(copyUrl, 'licences', copyColumns, [...copyRows(baseline.register)], total)
  await copies.copy()

  // The API: one streaming request, its memory sampled while it works.
  const app = await startServer('app', apiUrl)
  children.push(app.child)
  const idle = memoryOf(app.child.pid!)
  let highest = idle.rss
  const sampler = setInterval(() => { highest = Math.max(highest, memoryOf(app.child.pid!).rss) }, 250)
  const body = [...ndjson(api.register)]
  const started = performance.now()
  const imported = await importOverHttp(app.port, api.key, '/v1/licence-imports', body)
  const importSeconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  const after = memoryOf(app.child.pid!)
  if (imported.status !== 201 || imported.body.applied !== total) throw new Error(`import answered ${imported.status}: ${JSON.stringify(imported.body).slice(0, 500)}`)
  await copies.copy()
  await copies.end()
  const copySeconds = copies.seconds()

  const copyRate = total / copySeconds
  const importRate = imported.body.applied / importSeconds
  console.log(`raw COPY        ${total.toLocaleString('en').padStart(10)} rows in ${copySeconds.toFixed(1).padStart(6)} s  ${copyRate.toFixed(0).padStart(7)} rows/s (${copies.described()})`)
  console.log(`HTTP import     ${imported.body.applied.toLocaleString('en').padStart(10)} rows in ${importSeconds.toFixed(1).padStart(6)} s  ${importRate.toFixed(0).padStart(7)} rows/s  ratio ${(importRate / copyRate).toFixed(2)} (target ≥ 0.80, issue 9)`)
  console.log(`server memory   idle ${idle.rss.toFixed(0)} MB, highest sampled ${highest.toFixed(0)} MB, peak (VmHWM) ${after.peak.toFixed(0)} MB (target < 200 MB)`)

  // BENCH_ONLY=import stops here (for profiling the import alone).
  if (process.env.BENCH_ONLY !== 'import') {
    // Reads at that size, once the statistics know it (autovacuum would get there on its own).
    const pool = new pg.Pool({ connectionString: apiUrl, max: 1 })
    await pool.query('analyze licences')
    const plates = (await pool.query<{ plate: string }>('select plate from licences tablesample system (1) limit 10000')).rows.map((r) => r.plate)
    await pool.end()
    const bare = await startServer('bare', apiUrl)
    children.push(bare.child)
    const sides = { measured: ['app', app.port] as [string, number], baseline: ['bare', bare.port] as [string, number] }
    const asBureau = { authorization: `Bearer ${api.key}` }
    const active = await compare('list: active vehicles, 50 a page', sides, () => ({ path: '/v1/licences?type=vehicle_certificate&status=active&jurisdiction=440100&limit=50', headers: asBureau }))
    const suspended = await compare('list: suspended vehicles (none)', sides, () => ({ path: '/v1/licences?type=vehicle_certificate&status=suspended&jurisdiction=440100&limit=50', headers: asBureau }))
    const expiring = await compare('list: expiring within 30 days', sides, () => ({ path: '/v1/licences?expiringWithinDays=30&limit=50', headers: asBureau }))
    const verify = await compare('public verification of a plate', sides, () => ({ path: `/v1/public/licences/verify?plate=${encodeURIComponent(plates[Math.floor(Math.random() * plates.length)]!)}` }))
    console.log(`p99 at ${total.toLocaleString('en')} licences: active list ${active.app.p99.toFixed(1)} ms, suspended list ${suspended.app.p99.toFixed(1)} ms, expiring list ${expiring.app.p99.toFixed(1)} ms, verification ${verify.app.p99.toFixed(1)} ms`)
  }
} finally {
  await stopServers(children)
  await databases.drop()
}
