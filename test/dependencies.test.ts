import t from 'tap'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import Fastify from 'fastify'
import { projectRoot } from '../src/paths.js'
import { testApp } from './helpers/app.js'

// package.json overrides two transitive packages whose latest majors want Node 22 with the
// previous majors (Node 18+), so `npm ci` on Node 20 prints no engine warning; these prove the
// code that uses them still works with them.

t.test('every installed package supports Node 20, so npm ci prints no EBADENGINE warning', async (t) => {
  const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string }, dev?: boolean }> }
  const wantsLater = Object.entries(lock.packages)
    .filter(([, pkg]) => typeof pkg.engines?.node === 'string')
    .filter(([, pkg]) => pkg.engines!.node!.split('||').every((range) => Number(/>=?\s*v?(\d+)/.exec(range)?.[1] ?? 0) > 20))
    .map(([path, pkg]) => `${path} (${pkg.engines!.node})`)
  t.same(wantsLater, [])
})

t.test('inject sends cookies through cookie 1.x (light-my-request\'s stringifySetCookie)', async (t) => {
  const app = Fastify()
  app.get('/', async (request) => ({ cookie: request.headers.cookie }))
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/', cookies: { session: 'a b', theme: 'dark' } })
  t.same(res.json(), { cookie: 'session=a%20b; theme=dark' })
})

t.test('Swagger UI\'s files are served by @fastify/static, whose downloads name files through content-disposition 2.x', async (t) => {
  const app = await testApp(t)
  const page = await app.inject({ url: '/docs/static/swagger-ui.css' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/css/)
  const fromStatic = createRequire(createRequire(import.meta.url).resolve('@fastify/static'))
  const { create } = fromStatic('content-disposition') as { create: (name: string) => string }
  t.equal(create('报告 2026.pdf'), 'attachment; filename="?? 2026.pdf"; filename*=UTF-8\'\'%E6%8A%A5%E5%91%8A%202026.pdf')
})
