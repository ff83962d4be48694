import type { Test } from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { isAlive, logLines, npmStart, within } from './processes.js'

export const shutdownLines = (stdout: string) => logLines(stdout).filter((line) => line.msg === 'shutting down: finishing in-flight requests')

/** `signal` sent to the npm start process stops node gracefully, and the next start on the same folder starts. */
export async function stopsGracefully (t: Test, signal: 'SIGTERM' | 'SIGINT') {
  const dir = t.testdir()
  const server = await npmStart(t, { DATA_DIR: dir })
  t.equal((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status, 200, 'ready')

  process.kill(server.process.pid!, signal)
  const exit = await within(server.exited, 20_000, 'npm start did not exit')
  t.same(exit, { code: 0, signal: null }, 'npm exits with the server\'s clean exit')
  t.match(shutdownLines(server.stdout()), [{ signal, pid: server.serverPid }], 'node itself received the signal and shut down gracefully')
  t.notOk(isAlive(server.serverPid), 'no node process of it is left')
  t.notOk(existsSync(join(dir, 'pglite.lock')), 'the embedded database was closed and its lock released')
  t.notMatch(server.stderr(), /\n\s+at /, 'no stack trace')

  const again = await npmStart(t, { DATA_DIR: dir })
  t.equal((await fetch(`http://127.0.0.1:${again.port}/readyz`)).status, 200, 'the next start on the same folder is ready')
  process.kill(again.process.pid!, 'SIGTERM')
  t.same(await within(again.exited, 20_000, 'npm start did not exit'), { code: 0, signal: null })
}
