// What the benchmarks share: a throw-away PostgreSQL database, a server in its own process, and a
// load run of the measured side beside its baseline, interleaved so that drift touches both alike.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'

export const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const seconds = Number(process.env.BENCH_SECONDS ?? 10)
export const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)
// Each side is first loaded unmeasured for this long, so that neither is timed while V8 still compiles it.
export const warmUpSeconds = Number(process.env.BENCH_WARM_UP_SECONDS ?? 3)
export const rounds = Number(process.env.BENCH_ROUNDS ?? 2)

/** What every process of a benchmark configures the API with: PostgreSQL, a shared personal-data key, no demo data. */
export const benchConfig = (databaseUrl: string) => ({ DATABASE_URL: databaseUrl, DEMO_DATA: false, PERSONAL_DATA_KEY: 'benchmark-personal-data-key-0123456789' })

/** A fresh database on the benchmark's server; `drop` removes it (and every database made here). */
export async function benchDatabases () {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  const made: string[] = []
  return {
    async create (suffix = ''): Promise<string> {
      const name = `poa_bench_${randomBytes(4).toString('hex')}${suffix}`
      await admin.query(`create database ${name}`)
      made.push(name)
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return url.toString()
    },
    // BENCH_KEEP_DATABASES=1 leaves them, for looking into (EXPLAIN) after the run; it prints their names.
    async drop () {
      if (process.env.BENCH_KEEP_DATABASES) { console.log(`kept databases: ${made.join(', ')}`); await admin.end(); return }
      for (const name of made) await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  }
}

// The servers run with the Node flags `npm start` gives the service (its heap size), so that
// their memory is the service's. BENCH_NODE_FLAGS overrides them.
const startFlags = /^(?:exec )?node ((?:--\S+ )*)/.exec((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start)![1]!.split(' ').filter(Boolean)

export type ServerMode = 'app' | 'app-without-audit' | 'bare'

/** One of bench/servers.ts's servers in a child process, once it listens. */
export async function startServer (mode: ServerMode, url: string): Promise<{ port: number, child: ChildProcess }> {
  // BENCH_CPU_PROF=dir writes a V8 CPU profile of the API process there, for finding its overhead.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${mode}`] : []
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? startFlags
  const child = spawn(process.execPath, [...flags, ...profile, fileURLToPath(new URL('./servers.js', import.meta.url)), mode, url], { stdio: ['ignore', 'pipe', 'inherit'] })
  // It prints {"port": N} once listening; anything else it logs (warnings and worse) goes to stderr.
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const port = /^\{"port":(\d+)\}$/.exec(text)?.[1]
      if (port) resolve(Number(port))
      else process.stderr.write(`[${mode}] ${text}\n`)
    })
    child.once('exit', (code, signal) => reject(new Error(`${mode} server exited with ${code ?? signal}`)))
  })
  return { port, child }
}

export async function stopServers (children: ChildProcess[]) {
  await Promise.all(children.map((child) => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(undefined)
    child.once('exit', resolve)
    child.kill('SIGTERM')
  })))
}

export interface Request { method?: 'GET' | 'PATCH', path: string, headers?: Record<string, string>, body?: string }
export interface Figures { rps: number, p99: number }

async function load (port: number, next: () => Request, duration = seconds): Promise<Figures> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }]
  })
  if (result.non2xx || result.errors) throw new Error(`${result.non2xx} non-2xx and ${result.errors} errors on port ${port}`)
  return { rps: result.requests.average, p99: result.latency.p99 }
}

/**
 * The measured side against its baseline, both warmed up first, then interleaved in alternating
 * order (baseline first, then measured first, …) so that drift of a shared machine touches both alike.
 */
export async function compare (label: string, sides: { measured: [string, number], baseline: [string, number] }, next: () => Request) {
  const runs: Figures[][] = [[], []]
  if (warmUpSeconds > 0) for (const side of [sides.baseline, sides.measured]) await load(side[1], next, warmUpSeconds)
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [1, 0] : [0, 1]
    for (const which of order) runs[which]!.push(await load((which === 0 ? sides.measured : sides.baseline)[1], next))
  }
  const mean = (xs: Figures[]) => ({ rps: xs.reduce((s, x) => s + x.rps, 0) / xs.length, p99: xs.reduce((s, x) => s + x.p99, 0) / xs.length })
  const [measured, baseline] = [mean(runs[0]!), mean(runs[1]!)]
  const ratio = measured.rps / baseline.rps
  const side = (name: string, f: Figures) => `${name} ${f.rps.toFixed(0).padStart(6)} req/s p99 ${f.p99.toFixed(1).padStart(5)} ms`
  console.log(`${label.padEnd(36)} ${side(sides.measured[0], measured)} | ${side(sides.baseline[0], baseline)} | ratio ${ratio.toFixed(2)}`)
  return { app: measured, baseline, ratio }
}

/** Resident memory of a process, from /proc: now and the peak so far (Linux). */
export function memoryOf (pid: number): { rss: number, peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024
  return { rss: kib('VmRSS'), peak: kib('VmHWM') }
}

export interface ImportAnswer { status: number, body: { applied: number, rejected: number, lines: number, status?: string } }

/** Streams chunks of NDJSON to an import route as one request; resolves with the import's answer. */
export function importOverHttp (port: number, key: string, path: string, chunks: Iterable<Buffer>): Promise<ImportAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      port,
      method: 'POST',
      path,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', 'idempotency-key': `bench-${Date.now()}` }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (c: string) => { text += c }).on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
    })
    req.on('error', reject)
    pipeline(Readable.from(chunks), req).catch(reject)
  })
}

/**
 * The baseline an import is measured against: a raw COPY of `body` (`rows` rows, already in the
 * form the table stores) into `table` of the database at `url`, on one connection, emptying the
 * table first. `copy()` times one; run it before the import and after it, and take the mean of
 * `times`: this machine's speed drifts by a fifth from minute to minute, and a ratio taken against
 * one copy drifted with it.
 */
export async function copyBaseline (url: string, table: string, columns: string, body: Buffer[], rows: number) {
  const pool = new pg.Pool({ connectionString: url, max: 1 })
  const client = await pool.connect()
  // Dropped with its database when the run ends, a failure or not: the real error is the one thrown.
  client.on('error', () => {})
  const times: number[] = []
  return {
    client,
    async copy () {
      // Cascading to what refers to the table (a licence's history): nothing, in the baseline's database.
      await client.query(`truncate ${table} cascade`)
      const started = performance.now()
      await pipeline(Readable.from(body), client.query(copyFrom(`copy ${table} (${columns}) from stdin`)))
      times.push((performance.now() - started) / 1000)
      const [copied] = (await client.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows
      if (copied!.n !== rows) throw new Error(`the COPY into ${table} wrote ${copied!.n} rows, not ${rows}`)
    },
    /** The mean of the copies' seconds. */
    seconds: () => times.reduce((a, b) => a + b, 0) / times.length,
    /** The copies' times, as a summary line shows them. */
    described: () => `mean of ${times.map((t) => `${t.toFixed(1)} s`).join(' before and ')} after the import`,
    async end () {
      client.release()
      await pool.end()
    }
  }
}
