import t from 'tap'
import { ensureBuilt, npmStart, refused } from './helpers/processes.js'

// What an operator sees for their own mistakes: one sentence saying what to do, exit code 1, and
// no stack trace (a stack trace means a bug). The embedded database unless a case names a URL.
ensureBuilt()

t.test('the embedded database held by a running server: a second npm start and npm run keys each name the process', async (t) => {
  const dir = t.testdir()
  const server = await npmStart(t, { DATA_DIR: dir })
  const held = new RegExp(`open in process ${server.serverPid}: stop that process first`)
  await refused(t, ['start'], { DATA_DIR: dir }, held)
  await refused(t, ['run', 'keys', '--', 'list'], { DATA_DIR: dir }, new RegExp(`^keys: The embedded database .*${held.source}`))
  process.kill(server.process.pid!, 'SIGTERM')
  await server.exited

  // Started again with another personal data key than the one this database was made with.
  await refused(t, ['start'], { DATA_DIR: dir, PERSONAL_DATA_KEY: 'another-key-another-key-another-key' },
    /^The personal data key \(PERSONAL_DATA_KEY\) is not the one this database's driver ID hashes were made with: start with that key/)
})
