// `npm run bench:startup`: how long `npm start` takes to answer /readyz 200, from the moment it is
// spawned, as a newcomer and an operator meet it: on a fresh PGlite data folder (migrations and
// demo data), restarted on that folder, on a fresh PostgreSQL database, and restarted on it.
// Each case is run BENCH_STARTS times (3 by default); the median and the worst are printed beside
// the targets (≤ 5 s fresh PGlite, ≤ 1.5 s PostgreSQL, a restart as fast). Exit code 1 if a
// median misses its target.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchDatabases } from './harness.js'

const starts = Number(process.env.BENCH_STARTS ?? 3)
const root = fileURLToPath(new URL('../..', import.meta.url))

/** Spawns `npm start` with `env`, polls /readyz every 20 ms, and stops it once ready: milliseconds to ready. */
async function timeToReady (env: Record<string, string>): Promise<number> {
  const port = 20000 + Math.floor(Math.random() * 20000)
  const started = performance.now()
  const child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] })
  const state = { running: true }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { state.running = false; resolve(code) }))
  try {
    while (state.running) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false)
      if (ready) return performance.now() - started
      if (performance.now() - started > 60_000) throw new Error('not ready within 60 s')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`npm start exited with ${await exited} before it was ready`)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const results: Array<{ name: string, target: number, times: number[] }> = []
const databases = await benchDatabases()
try {
  const fresh: number[] = []
  const restart: number[] = []
  for (let i = 0; i < starts; i++) {
    const folder = mkdtempSync(join(tmpdir(), 'poa-startup-'))
    try {
      fresh.push(await timeToReady({ DATA_DIR: folder }))
      restart.push(await timeToReady({ DATA_DIR: folder }))
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  }
  results.push({ name: 'PGlite, fresh folder with demo data', target: 5000, times: fresh }, { name: 'PGlite, restart on that folder', target: 5000, times: restart })
  const freshPg: number[] = []
  const restartPg: number[] = []
  for (let i = 0; i < starts; i++) {
    const url = await databases.create()
    freshPg.push(await timeToReady({ DATABASE_URL: url }))
    restartPg.push(await timeToReady({ DATABASE_URL: url }))
  }
  results.push({ name: 'PostgreSQL, fresh database with demo data', target: 1500, times: freshPg }, { name: 'PostgreSQL, restart on it', target: 1500, times: restartPg })
} finally {
  await databases.drop()
}

console.log(`npm start to /readyz 200, ${starts} starts each (median, worst; target)`)
for (const r of results) {
  const m = median(r.times)
  console.log(`${r.name.padEnd(44)} ${(m / 1000).toFixed(2).padStart(5)} s  ${(Math.max(...r.times) / 1000).toFixed(2).padStart(5)} s  (≤ ${(r.target / 1000).toFixed(1)} s) ${m <= r.target ? 'ok' : 'MISSED'}`)
}
process.exitCode = results.every((r) => median(r.times) <= r.target) ? 0 : 1
