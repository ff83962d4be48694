// `npm run bench`: the API beside a bare Fastify + pg handler, same queries, same run, on PostgreSQL:
// point read of an enterprise and a filtered list page at 10,000 and at 100,000 enterprises (and one
// that matches nothing); then enterprise updates with the audit trail beside the same API with it off.
import type { ChildProcess } from 'node:child_process'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { defaultConfig } from '../src/config.js'
import { organisationCodeCheck, usccCheckCharacter } from '../src/modules/enterprises/uscc.js'
import { uuidv7 } from '../src/lib/uuid.js'
import { systemPrincipal } from '../src/auth/principal.js'
import { createAgency } from '../src/modules/agencies/service.js'
import { issueApiKey } from '../src/modules/api-keys/service.js'
import { audited } from '../src/modules/audit/trail.js'
import { adminUrl, benchConfig, benchDatabases, compare, connections, rounds, seconds, startServer, stopServers, warmUpSeconds, type Request } from './harness.js'

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

const databases = await benchDatabases()
const databaseUrl = await databases.create()
const children: ChildProcess[] = []
try {
  // Migrate through the app itself and issue the keys the load uses; then bulk-load.
  const setup = await buildApp({ config: defaultConfig(benchConfig(databaseUrl)), logger: false })
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

  console.log(`PostgreSQL ${adminUrl.replace(/\/\/.*@/, '//…@')}; ${connections} connections, ${seconds} s a run, each side warmed up ${warmUpSeconds} s, then run ${rounds} times interleaved`)
  // BENCH_ONLY=point or =write runs just that part (for profiling it alone).
  const only = process.env.BENCH_ONLY
  const lists = only === undefined
  let ids = await loadEnterprises(pool, 0, 10_000)
  const small = lists ? await compare('list page at 10,000 enterprises', reads, listPath) : undefined
  ids = ids.concat(await loadEnterprises(pool, 10_000, 100_000))
  const pick = () => ({ path: `/v1/enterprises/${ids[Math.floor(Math.random() * ids.length)]}`, headers: asAdmin })
  const point = only !== 'write' ? await compare('point read at 100,000 enterprises', reads, pick) : undefined
  const large = lists ? await compare('list page at 100,000 enterprises', reads, listPath) : undefined
  // No enterprise has exited: a page with nothing on it, where the fixed cost per request is all there is.
  const noMatch = () => ({ path: '/v1/enterprises?sector=bike_share&jurisdiction=440100&status=exited&limit=50', headers: asAdmin })
  if (lists) await compare('list page, no match, at 100,000', reads, noMatch)
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
  await stopServers(children)
  await databases.drop()
}
