import t from 'tap'
import { ensureBuilt, npm, npmStart, refused, within } from './helpers/processes.js'

// What an operator sees for their own mistakes: one sentence saying what to do, exit code 1, and
// no stack trace (a stack trace means a bug). The embedded database unless a case names a URL.
ensureBuilt()

t.test('a DATABASE_URL that is not a URL, or where no PostgreSQL answers', async (t) => {
  const dir = t.testdir()
  await refused(t, ['start'], { DATA_DIR: dir, DATABASE_URL: 'localhost:5432/oversight' }, /^DATABASE_URL is not a PostgreSQL URL: write it as postgres:\/\//)
  await refused(t, ['start'], { DATA_DIR: dir, DATABASE_URL: 'postgres://oversight:secret@127.0.0.1:1/oversight' },
    /^Cannot connect to PostgreSQL at postgres:\/\/oversight@127\.0\.0\.1:1\/oversight \(.*ECONNREFUSED.*\): start PostgreSQL, or fix the host and port in DATABASE_URL$/)
  await refused(t, ['run', 'keys', '--', 'list'], { DATA_DIR: dir, DATABASE_URL: 'postgres://oversight:secret@127.0.0.1:1/oversight' }, /^keys: Cannot connect to PostgreSQL at postgres:\/\/oversight@127\.0\.0\.1:1\/oversight/)
})

t.test('a variable with a value the service cannot take names the variable and its rule, never the value', async (t) => {
  const command = npm(t, ['start'], { DATA_DIR: t.testdir(), PORT: 'three-thousand', PERSONAL_DATA_KEY: 'too-short-secret' })
  t.not((await within(command.exited, 60_000, 'npm start did not exit')).code, 0)
  t.equal(command.stderr().trim(), 'Fix the environment: PORT must be integer; PERSONAL_DATA_KEY must NOT have fewer than 32 characters (README.md\'s Configuration lists every variable)')
  t.notMatch(command.stdout() + command.stderr(), /too-short-secret/)
})

t.test('a port another process listens on', async (t) => {
  const server = await npmStart(t, { DATA_DIR: t.testdir() })
  await refused(t, ['start'], { DATA_DIR: t.testdir(), PORT: String(server.port) }, new RegExp(`^Port ${server.port} on 127\\.0\\.0\\.1 is in use by another process: stop it, or set PORT to a free port$`))
})
