import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../src/paths.js'

// No container engine runs the tests: the image's recipe is checked against what the service documents.
const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8')
const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ')
const stages = dockerfile.split(/^FROM /m).slice(1)
const runtime = stages.at(-1)!
const instruction = (name: string) => [...runtime.matchAll(new RegExp(`^${name} (.*)$`, 'gm'))].map((m) => m[1]!.trim())
const execForm = (line: string | undefined) => JSON.parse(line ?? 'null') as string[] | null

t.test('the image runs what npm start runs, under an init, as a user other than root, with a health check on /readyz', async (t) => {
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!
  t.match(start, /^exec node /, 'npm start replaces its shell with node, so a signal to it reaches node')
  const entrypoint = execForm(instruction('ENTRYPOINT').at(-1))
  const cmd = execForm(instruction('CMD').at(-1))
  t.same(cmd, start.replace(/^exec /, '').split(/\s+/), 'CMD is the start script\'s command')
  t.ok(entrypoint && /(^|\/)(tini|dumb-init)$/.test(entrypoint[0]!), 'an init is PID 1 and hands signals to node')
  t.match(runtime, /apt-get install [^\n]*\btini\b/, 'the init is installed in the runtime image')
  const users = instruction('USER')
  t.ok(users.length > 0 && !['root', '0'].includes(users.at(-1)!), 'runs as a user other than root')
  t.match(instruction('HEALTHCHECK').at(-1), /\/readyz/, 'the health check asks /readyz')
})

t.test('the image is built in two stages: the runtime one has production dependencies only', async (t) => {
  t.ok(stages.length >= 2, 'multi-stage')
  t.match(stages[0], /RUN npm ci\b/, 'the build stage installs everything, which builds (prepare)')
  t.match(runtime, /RUN npm ci --omit=dev --ignore-scripts/, 'the runtime stage has production dependencies only, and does not build')
  t.match(runtime, /COPY --from=\S+ \/app\/dist \.\/dist/, 'the build is copied from the build stage')
  for (const folder of ['migrations', 'seeds']) t.match(runtime, new RegExp(`COPY ${folder} `), `${folder}/, read at run time, is in the image`)
})

t.test('docker compose builds the image instead of installing into a stock one at every start', async (t) => {
  const compose = read('docker-compose.yml')
  const api = compose.slice(compose.indexOf('\n  api:'))
  t.match(api, /^\s+build: \.$/m)
  t.notMatch(compose, /npm ci|npm start/, 'no install or build when the container starts')
})
