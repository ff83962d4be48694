import type { AddressInfo } from 'node:net'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { loadConfig, type Config } from './config.js'
import { OperatorError, operatorMessage } from './lib/operator-error.js'

// The only place that reads the environment, listens, and shuts down.

/** An operator's mistake ends the process with its one sentence; anything else is a bug and keeps its stack. */
function exitOnStartFailure (err: unknown): never {
  console.error(operatorMessage(err) ?? err)
  process.exit(1)
}

const stopSignals = ['SIGTERM', 'SIGINT'] as const
let stopSignal: NodeJS.Signals | undefined
let firstStopAt = 0
let stop = () => {}
for (const signal of stopSignals) {
  process.on(signal, () => {
    if (!stopSignal) {
      stopSignal = signal
      firstStopAt = Date.now()
      stop()
    } else if (Date.now() - firstStopAt > 1000) {
      // Within a second it is the same stop delivered twice (Ctrl-C signals npm and node together,
      // and npm forwards it again); later, it is someone who will not wait.
      console.error(`second ${signal}: exiting without finishing in-flight requests`)
      process.exit(1)
    }
  })
}

let config: Config
try {
  config = loadConfig(process.env)
} catch (err) {
  exitOnStartFailure(err)
}
// A stop requested while starting (migrations, demo data) waits for the start, then closes.
const app = await buildApp({ config }).catch(exitOnStartFailure)

const grace = closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger: app.log, skip: [...stopSignals] }, async ({ err }) => {
  if (err) app.log.error({ err }, 'shutting down after an uncaught error')
  else app.log.info({ signal: stopSignal }, 'shutting down: finishing in-flight requests')
  // close() stops accepting, waits for in-flight requests, then closes the database (onClose).
  await app.close()
})
stop = () => { grace.close() }

async function listen (config: Config) {
  try {
    await app.listen({ port: config.PORT, host: config.HOST })
  } catch (err) {
    if (stopSignal) return
    await app.close()
    exitOnStartFailure((err as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? new OperatorError(`Port ${config.PORT} on ${config.HOST} is in use by another process: stop it, or set PORT to a free port`)
      : err)
  }
  const { port } = app.server.address() as AddressInfo
  app.log.info({
    database: app.database.kind,
    location: app.database.location,
    docs: `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/docs`
  }, `Platform Oversight API listening on ${config.HOST}:${port} with ${app.database.kind} (${app.database.location})`)
}

if (stopSignal) stop()
else await listen(config)
