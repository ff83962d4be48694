// `npm run bench`: the API beside a bare Fastify + pg handler, same queries, same run, on PostgreSQL:
// point read of an enterprise and a filtered list page at 10,000 and at 100,000 enterprises; then
// enterprise updates with the audit trail beside the same API with it off.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { defaultConfig } from '../src/config.js'
import { organisationCodeCheck, usccCheckCharacter } from '../src/modules/enterprises/uscc.js'
import { uuidv7 } from '../src/lib/uuid.js'
import { systemPrincipal } from '../src/auth/principal.js'
import { createAgency } from '../src/modules/agencies/service.js'
import { issueApiKey } from '../src/modules/api-keys/service.js'
import { audited } from '../src/modules/audit/trail.js'

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)

const districts = ['440103', '440104', '440105', '440106', '440111', '440112', '350203', '350206', '320612', '320613', '500103', '500105']
const sectorSets = [['ride_hailing'], ['bike_share'], ['car_share'], ['car_share', 'ride_hailing']]

function uscc (n: number, region: string): string {
  const body = `MA${String(n).padStart(6, '0')}`
  const first17 = `91${region}${body}${organisationCodeCheck(body)}`
  return first17 + usccCheckCharacter(first17)
}

/** Adds enterprises until the table holds `total`, in batches through unnest. */
async function loadEnterprises (pool: pg.Pool, from: number, total: number): Promise<string[]> {
  const ids: string[] = []
  for (let start = from; start < total; start += 5000) {
    const batch = Array.from({ length: Math.min(5000, total - start) }, (_, i) => {
      const n = start + i
      const region = districts[n % districts.length]!
      const id = uuidv7(Date.now() - (total - n))
      ids.push(id)
      return { id, uscc: uscc(n, region), name: `基准测试企业${n}`, sectors: `{${sectorSets[n % 4]!.join(',')}}`, places: `{${region}}`, status: n % 10 === 0 ? 'suspended' : 'active' }
    })
    await pool.query(`insert into enterprises (id, uscc, name_zh, sectors, jurisdiction_codes, status)
      select id, uscc, name, sectors::text[], places::text[], status
      from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) as t(id, uscc, name, sectors, places, status)`,
    [batch.map((b) => b.id), batch.map((b) => b.uscc), batch.map((b) => b.name), batch.map((b) => b.sectors), batch.map((b) => b.places), batch.map((b) => b.status)])
  }
  await pool.query('analyze enterprises')
  return ids
}

async function startServer (mode: 'app' | 'app-without-audit' | 'bare', url: string): Promise<{ port: number, child: ChildProcess }> {
  // BENCH_CPU_PROF=dir writes a V8 CPU profile of the API process there, for finding its overhead.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${mode}`] : []
  const child = spawn(process.execPath, [...profile, fileURLToPath(new URL('./servers.js', import.meta.url)), mode, url], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)))
  })
  return { port: (JSON.parse(line) as { port: number }).port, child }
}

interface Request { method?: 'GET' | 'PATCH', path: string, headers?: Record<string, string>, body?: string }

async function load (port: number, next: () => Request) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }]
  })
  if (result.non2xx || result.errors) throw new Error(`${result.non2xx} non-2xx and ${result.errors} errors on port ${port}`)
  return { rps: result.requests.average, p99: result.latency.p99 }
}

interface Figures { rps: number, p99: number }

/** The measured side against its baseline, interleaved twice so machine drift touches both alike. */
async function compare (label: string, sides: { measured: [string, number], baseline: [string, number] }, next: () => Request) {
  const runs: Figures[][] = [[], []]
  for (let round = 0; round < 2; round++) {
    runs[1]!.push(await load(sides.baseline[1], next))
    runs[0]!.push(await load(sides.measured[1], next))
  }
  const mean = (xs: Figures[]) => ({ rps: xs.reduce((s, x) => s + x.rps, 0) / xs.length, p99: xs.reduce((s, x) => s + x.p99, 0) / xs.length })
  const [measured, baseline] = [mean(runs[0]!), mean(runs[1]!)]
  const ratio = measured.rps / baseline.rps
  const side = (name: string, f: Figures) => `${name} ${f.rps.toFixed(0).padStart(6)} req/s p99 ${f.p99.toFixed(1).padStart(5)} ms`
  console.log(`${label.padEnd(36)} ${side(sides.measured[0], measured)} | ${side(sides.baseline[0], baseline)} | ratio ${ratio.toFixed(2)}`)
  return { app: measured, baseline, ratio }
}

const name = `poa_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
await admin.query(`create database ${name}`)
const url = new URL(adminUrl)
url.pathname = `/${name}`
const databaseUrl = url.toString()
const children: ChildProcess[] = []
try {
  // Migrate through the app itself and issue the keys the load uses; then bulk-load.
  const setup = await buildApp({ config: defaultConfig({ DATABASE_URL: databaseUrl, DEMO_DATA: false }), logger: false })
  await setup.ready()
  const operator = systemPrincipal('benchmark')
  const keys = await audited(setup.db, operator, 'bench', async (tx, audit) => {
    const bureau = await createAgency(tx, { nameZh: '广州市交通运输局', kind: 'transport', jurisdictionCode: '440100' }, setup.jurisdictions, audit)
    return {
      admin: (await issueApiKey(tx, { role: 'admin', label: 'bench' }, operator, audit)).key,
      guangzhou: (await issueApiKey(tx, { role: 'regulator', agencyId: bureau.id, label: 'bench' }, operator, audit)).key
    }
  })
  await setup.close()
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const app = await startServer('app', databaseUrl)
  const bare = await startServer('bare', databaseUrl)
  const withoutAudit = await startServer('app-without-audit', databaseUrl)
  children.push(app.child, bare.child, withoutAudit.child)
  const reads = { measured: ['app', app.port] as [string, number], baseline: ['bare', bare.port] as [string, number] }
  const asAdmin = { authorization: `Bearer ${keys.admin}` }
  const listPath = () => ({ path: '/v1/enterprises?sector=ride_hailing&jurisdiction=440100&status=active&limit=50', headers: asAdmin })

  console.log(`PostgreSQL ${adminUrl.replace(/\/\/.*@/, '//…@')}; ${connections} connections, ${seconds} s a run, each side run twice interleaved`)
  // BENCH_ONLY=point or =write runs just that part (for profiling it alone).
  const only = process.env.BENCH_ONLY
  const lists = only === undefined
  let ids = await loadEnterprises(pool, 0, 10_000)
  const small = lists ? await compare('list page at 10,000 enterprises', reads, listPath) : undefined
  ids = ids.concat(await loadEnterprises(pool, 10_000, 100_000))
  const pick = () => ({ path: `/v1/enterprises/${ids[Math.floor(Math.random() * ids.length)]}`, headers: asAdmin })
  const point = only !== 'write' ? await compare('point read at 100,000 enterprises', reads, pick) : undefined
  const large = lists ? await compare('list page at 100,000 enterprises', reads, listPath) : undefined
  // Updates of Guangzhou's enterprises (region index < 6) by its transport bureau, with and without the audit trail.
  const guangzhouIds = ids.filter((_, n) => n % districts.length < 6)
  const update = (): Request => ({
    method: 'PATCH',
    path: `/v1/enterprises/${guangzhouIds[Math.floor(Math.random() * guangzhouIds.length)]}`,
    headers: { authorization: `Bearer ${keys.guangzhou}`, 'content-type': 'application/json', 'if-match': '*' },
    body: JSON.stringify({ nameEn: `Bench ${Math.random().toString(36).slice(2)}` })
  })
  const writes = only !== 'point' ? await compare('enterprise update', { measured: ['audited', app.port], baseline: ['unaudited', withoutAudit.port] }, update) : undefined
  if (point) console.log(`point-read ratio ${point.ratio.toFixed(2)} (target ≥ 0.80)`)
  if (writes) console.log(`audited-write ratio ${writes.ratio.toFixed(2)} (target ≥ 0.70)`)
  if (small && large) console.log(`list page p99 ${small.app.p99.toFixed(1)} ms at 10k → ${large.app.p99.toFixed(1)} ms at 100k (ratio ${(large.app.p99 / small.app.p99).toFixed(2)}; must not grow with the table)`)
  await pool.end()
} finally {
  await Promise.all(children.map((child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM') })))
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}
