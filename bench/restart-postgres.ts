// `npm run restart-check`: restarts the local PostgreSQL under a running API and reports what
// clients saw: every answer during the outage must be 200 or a 503 problem (never a 500, never a
// hang), and /readyz must turn true again within 5 s of the database accepting connections.
// It restarts the machine's PostgreSQL cluster (pg_ctlcluster), so run it on a machine of your own.
import { execFile, execFileSync, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = `poa_restart_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
await admin.query(`create database ${name}`)
await admin.end()
const url = new URL(adminUrl)
url.pathname = `/${name}`

const child = spawn(process.execPath, [fileURLToPath(new URL('./servers.js', import.meta.url)), 'app', url.toString()], { stdio: ['ignore', 'pipe', 'inherit'] })
const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve))
const base = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`

const seen = new Map<string, number>()
let slowest = 0
const probing = { on: true }
const probe = (async () => {
  while (probing.on) {
    const started = Date.now()
    const status = await fetch(`${base}/v1/public/jurisdictions/440100`).then(() => fetch(`${base}/readyz`)).then((r) => String(r.status), (e: Error) => `error ${e.message}`)
    slowest = Math.max(slowest, Date.now() - started)
    seen.set(status, (seen.get(status) ?? 0) + 1)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
})()

const cluster = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n')[0]!
console.log(`restarting PostgreSQL ${cluster}/main under the API …`)
// Asynchronously, so the probe keeps asking while the server is down.
await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart'])
const upAt = Date.now()
let readyAfter: number | undefined
while (Date.now() - upAt < 10_000) {
  if ((await fetch(`${base}/readyz`)).status === 200) { readyAfter = Date.now() - upAt; break }
  await new Promise((resolve) => setTimeout(resolve, 100))
}
probing.on = false
await probe
child.kill('SIGTERM')
const cleanup = new pg.Client({ connectionString: adminUrl })
await cleanup.connect()
await cleanup.query(`drop database if exists ${name} with (force)`)
await cleanup.end()

const statuses = Object.fromEntries(seen)
console.log(`readiness answers during the restart: ${JSON.stringify(statuses)}; slowest probe ${slowest} ms`)
console.log(readyAfter === undefined ? 'NOT ready within 10 s of the restart' : `ready again ${readyAfter} ms after PostgreSQL came back`)
const bad = [...seen.keys()].filter((s) => s !== '200' && s !== '503')
process.exitCode = readyAfter !== undefined && readyAfter <= 5000 && bad.length === 0 ? 0 : 1
