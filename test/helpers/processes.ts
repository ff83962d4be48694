import type { Test } from 'tap'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'

interface Teardown { teardown: (fn: () => unknown) => void }

function newestSource (dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

/**
 * The build `npm ci` made (its prepare script), rebuilt first when src/ changed since: the
 * commands under test run dist/, and a test of a stale build would prove nothing.
 */
export function ensureBuilt (): void {
  const entry = join(projectRoot, 'dist', 'src', 'server.js')
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestSource(join(projectRoot, 'src'))) return
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: 'inherit' })
}

/** The environment a command gets: this one without tap's instrumentation, quiet demo-less defaults, then `env`. */
export function commandEnv (env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
    !['NODE_OPTIONS', 'NODE_V8_COVERAGE', 'DATABASE_URL', 'PERSONAL_DATA_KEY', 'DATA_DIR', 'PORT'].includes(name) && !name.startsWith('TAP') && !name.startsWith('_TAPJS')))
  return { ...inherited, HOST: '127.0.0.1', PORT: '0', DEMO_DATA: 'false', LOG_LEVEL: 'info', ...env }
}

export interface Command {
  process: ChildProcess
  /** Everything written so far. */
  stdout: () => string
  stderr: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** `npm <args>` in the project, its output collected; killed at the end of the test if still running. */
export function npm (t: Teardown, args: string[], env: Record<string, string> = {}, options: { detached?: boolean } = {}): Command {
  const child = spawn('npm', args, { cwd: projectRoot, env: commandEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { process: child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** The JSON log lines a server wrote to stdout. */
export function logLines (stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
}

export interface RunningServer extends Command {
  port: number
  /** The node process serving, as its own log says. */
  serverPid: number
}

/** `npm start` until its log says it listens (or it ends, which fails the caller's expectation). */
export async function npmStart (t: Teardown, env: Record<string, string>, options: { detached?: boolean } = {}): Promise<RunningServer> {
  const command = npm(t, ['start'], env, options)
  const deadline = Date.now() + 90_000
  for (;;) {
    const listening = logLines(command.stdout()).find((line) => typeof line.msg === 'string' && line.msg.startsWith('Platform Oversight API listening'))
    if (listening) {
      const serverPid = listening.pid as number
      // A server that outlives the test (the bug under test) must not hold the folder for the next one.
      t.teardown(() => { if (isAlive(serverPid)) process.kill(serverPid, 'SIGKILL') })
      return { ...command, port: Number(/:(\d+) with /.exec(listening.msg as string)![1]), serverPid }
    }
    if (command.process.exitCode !== null || command.process.signalCode !== null || Date.now() > deadline) {
      throw new Error(`npm start did not start:\n${command.stdout()}\n${command.stderr()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Resolves with the outcome, or rejects after `ms`: a command that hangs fails its test instead of the file's timeout. */
export function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms) })
  ]).finally(() => clearTimeout(timer))
}

/** `npm <args>` refused as an operator's mistake: exit code ≠ 0, one line on stderr matching `says`, no stack trace. */
export async function refused (t: Test, args: string[], env: Record<string, string>, says: RegExp) {
  const command = npm(t, args, env)
  const { code } = await within(command.exited, 60_000, `npm ${args.join(' ')} did not exit`)
  t.not(code, 0, 'exits with an error code')
  const lines = command.stderr().split('\n').filter((line) => line.trim() !== '')
  t.equal(lines.length, 1, 'one line on stderr')
  t.match(lines[0], says, 'saying what happened and what to do')
  t.notMatch(command.stdout() + command.stderr(), /\n\s+at /, 'no stack trace')
}
