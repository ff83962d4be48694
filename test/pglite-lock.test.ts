import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { defaultConfig } from '../src/config.js'

// The embedded database whatever TEST_DATABASE_URL says: the lock is PGlite's.
const onDisk = (dir: string) => defaultConfig({ DATA_DIR: dir, DEMO_DATA: false, LOG_LEVEL: 'silent' })

t.test('an embedded database is open in one process at a time; a lock left by a dead process is taken over', async (t) => {
  const dir = t.testdir()
  const lock = join(dir, 'pglite.lock')

  // Another live process holds it (a shell that sleeps, standing for a running server).
  const holder = spawn('sleep', ['30'])
  t.teardown(() => { holder.kill() })
  writeFileSync(lock, String(holder.pid))
  await t.rejects(buildApp({ config: onDisk(dir), logger: false }), new RegExp(`open in process ${holder.pid}: stop that process first`))

  // It died without cleaning up: the next start takes the lock over.
  holder.kill()
  await new Promise((resolve) => holder.once('exit', resolve))
  const app = await buildApp({ config: onDisk(dir), logger: false })
  await app.ready()
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
  await app.close()
  t.notOk(existsSync(lock), 'released on close')
})
