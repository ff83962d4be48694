import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { loadConfig } from './config.js'

// The only place that reads the environment, listens, and shuts down.
const config = loadConfig(process.env)
const app = await buildApp({ config })

closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger: app.log }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an uncaught error')
  else app.log.info({ signal }, 'shutting down: finishing in-flight requests')
  // close() stops accepting, waits for in-flight requests, then closes the database (onClose).
  await app.close()
})

await app.listen({ port: config.PORT, host: config.HOST })
app.log.info({
  database: app.database.kind,
  location: app.database.location,
  docs: `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}/docs`
}, `Platform Oversight API listening on ${config.HOST}:${config.PORT} with ${app.database.kind} (${app.database.location})`)
