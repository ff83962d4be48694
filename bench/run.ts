// `npm run bench`: the API beside a bare Fastify + pg handler, same queries, same run, on PostgreSQL.
// Point read of an enterprise, and a filtered list page at 10,000 and at 100,000 enterprises.
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

async function startServer (mode: 'app' | 'bare', url: string): Promise<{ port: number, child: ChildProcess }> {
  // BENCH_CPU_PROF=dir writes a V8 CPU profile of the API process there, for finding its overhead.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${mode}`] : []
  const child = spawn(process.execPath, [...profile, fileURLToPath(new URL('./servers.js', import.meta.url)), mode, url], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)))
  })
  return { port: (JSON.parse(line) as { port: number }).port, child }
}

async function load (port: number, paths: () => string) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: paths() }) }]
  })
  if (result.non2xx || result.errors) throw new Error(`${result.non2xx} non-2xx and ${result.errors} errors on port ${port}`)
  return { rps: result.requests.average, p99: result.latency.p99 }
}

interface Figures { rps: number, p99: number }

async function compare (label: string, servers: { app: number, bare: number }, paths: () => string) {
  // Interleaved twice, so that drift in the machine touches both sides alike.
  const runs: Record<'app' | 'bare', Figures[]> = { app: [], bare: [] }
  for (let round = 0; round < 2; round++) {
    runs.bare.push(await load(servers.bare, paths))
    runs.app.push(await load(servers.app, paths))
  }
  const mean = (xs: Figures[], k: keyof Figures) => xs.reduce((s, x) => s + x[k], 0) / xs.length
  const app = { rps: mean(runs.app, 'rps'), p99: mean(runs.app, 'p99') }
  const bare = { rps: mean(runs.bare, 'rps'), p99: mean(runs.bare, 'p99') }
  const ratio = app.rps / bare.rps
  console.log(`${label.padEnd(34)} app ${app.rps.toFixed(0).padStart(6)} req/s p99 ${app.p99.toFixed(1).padStart(5)} ms | bare ${bare.rps.toFixed(0).padStart(6)} req/s p99 ${bare.p99.toFixed(1).padStart(5)} ms | ratio ${ratio.toFixed(2)}`)
  return { app, bare, ratio }
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
  // Migrate through the app itself, then bulk-load.
  const migrator = await buildApp({ config: defaultConfig({ DATABASE_URL: databaseUrl, DEMO_DATA: false }), logger: false })
  await migrator.ready()
  await migrator.close()
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const app = await startServer('app', databaseUrl)
  const bare = await startServer('bare', databaseUrl)
  children.push(app.child, bare.child)
  const servers = { app: app.port, bare: bare.port }
  const listPath = () => '/v1/enterprises?sector=ride_hailing&jurisdiction=440100&status=active&limit=50'

  console.log(`PostgreSQL ${adminUrl.replace(/\/\/.*@/, '//…@')}; ${connections} connections, ${seconds} s a run, each side run twice interleaved`)
  // BENCH_ONLY=point skips the list pages (for profiling the point read alone).
  const lists = process.env.BENCH_ONLY !== 'point'
  let ids = await loadEnterprises(pool, 0, 10_000)
  const small = lists ? await compare('list page at 10,000 enterprises', servers, listPath) : undefined
  ids = ids.concat(await loadEnterprises(pool, 10_000, 100_000))
  const pick = () => `/v1/enterprises/${ids[Math.floor(Math.random() * ids.length)]}`
  const point = await compare('point read at 100,000 enterprises', servers, pick)
  const large = lists ? await compare('list page at 100,000 enterprises', servers, listPath) : undefined
  console.log(`point-read ratio ${point.ratio.toFixed(2)} (target ≥ 0.80)`)
  if (small && large) console.log(`list page p99 ${small.app.p99.toFixed(1)} ms at 10k → ${large.app.p99.toFixed(1)} ms at 100k (ratio ${(large.app.p99 / small.app.p99).toFixed(2)}; must not grow with the table)`)
  await pool.end()
} finally {
  await Promise.all(children.map((child) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM') })))
  await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}
