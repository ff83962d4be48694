import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ensureBuilt, isAlive, npmStart, within } from './helpers/processes.js'
import { shutdownLines } from './helpers/stopping.js'

ensureBuilt()

t.test('Ctrl-C in a terminal (SIGINT to npm and node at once, then forwarded by npm) is one graceful stop', async (t) => {
  const dir = t.testdir()
  // In a process group of its own, as a terminal's foreground job is.
  const server = await npmStart(t, { DATA_DIR: dir }, { detached: true })
  process.kill(-server.process.pid!, 'SIGINT')
  t.same(await within(server.exited, 20_000, 'npm start did not exit'), { code: 0, signal: null })
  t.equal(shutdownLines(server.stdout()).length, 1, 'one shutdown')
  t.notMatch(server.stderr(), /second SIGINT/, 'the forwarded copy of the same signal is not taken for an impatient second one')
  t.notOk(isAlive(server.serverPid))
  t.notOk(existsSync(join(dir, 'pglite.lock')))
})
