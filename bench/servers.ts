// One server for the benchmark, in its own process: `app` is the whole API, `bare` a minimal
// Fastify + pg handler running the same queries as named prepared statements. Prints {"port": N} once listening.
import Fastify from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { defaultConfig } from '../src/config.js'

const [mode, databaseUrl] = process.argv.slice(2)
if (!databaseUrl || (mode !== 'app' && mode !== 'bare')) throw new Error('usage: servers.js app|bare DATABASE_URL')

const columns = 'id, uscc, name_zh, name_en, sectors, jurisdiction_codes, status, version, created_at, updated_at'
type Row = Record<string, unknown> & { created_at: Date, updated_at: Date }
const toJson = (r: Row) => ({
  id: r.id,
  uscc: r.uscc,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  sectors: r.sectors,
  jurisdictionCodes: r.jurisdiction_codes,
  status: r.status,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  warnings: []
})

async function bare () {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 })
  pool.on('error', () => {})
  const app = Fastify()
  app.get<{ Params: { id: string } }>('/v1/enterprises/:id', async (request, reply) => {
    const { rows } = await pool.query({ name: 'bare_by_id', text: `select ${columns} from enterprises where id = $1`, values: [request.params.id] })
    if (!rows[0]) return reply.code(404).send({ code: 'not_found' })
    return toJson(rows[0])
  })
  app.get<{ Querystring: { sector: string, jurisdiction: string, status: string, limit: string } }>('/v1/enterprises', async (request) => {
    const q = request.query
    const limit = Number(q.limit)
    const codes = q.jurisdiction === '440100' ? ['440100', '440103', '440104', '440105', '440106', '440111', '440112', '440113', '440114', '440115', '440117', '440118', '440102', '440107', '440116'] : [q.jurisdiction]
    const { rows } = await pool.query({
      name: 'bare_list',
      text: `select ${columns} from enterprises where sectors @> $1 and status = $2 and jurisdiction_codes && $3 order by id limit $4`,
      values: [[q.sector], q.status, codes, limit + 1]
    })
    return { items: rows.slice(0, limit).map(toJson), nextCursor: rows.length > limit ? 'x' : null }
  })
  return app
}

const server = mode === 'app'
  ? await buildApp({ config: defaultConfig({ DATABASE_URL: databaseUrl, DEMO_DATA: false, LOG_LEVEL: 'warn' }) })
  : await bare()
await server.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(JSON.stringify({ port: (server.server.address() as { port: number }).port }) + '\n')
process.on('SIGTERM', () => { server.close().then(() => process.exit(0), () => process.exit(1)) })
