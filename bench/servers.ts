// One server for the benchmark, in its own process: `app` is the whole API (`app-without-audit`
// the same with the audit trail off), `bare` a minimal Fastify + pg handler running the same
// queries as named prepared statements. Prints {"port": N} once listening.
import { createHash } from 'node:crypto'
import Fastify from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { defaultConfig } from '../src/config.js'
import { benchConfig } from './harness.js'

const [mode, databaseUrl] = process.argv.slice(2)
if (!databaseUrl || !['app', 'app-without-audit', 'bare'].includes(mode!)) throw new Error('usage: servers.js app|app-without-audit|bare DATABASE_URL')

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
  // Dates as the API reads them: calendar dates, not instants.
  pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)
  pool.on('error', () => {})
  const app = Fastify()
  // The same two queries the API runs for a keyed read: the key by its prefix, then the record.
  const authenticate = async (authorization: string | undefined) => {
    const [, prefix, secret] = /^Bearer poa_([a-z0-9]{12})_(.+)$/.exec(authorization ?? '') ?? []
    const { rows } = await pool.query({
      name: 'bare_key',
      text: 'select k.secret_hash, k.role, a.jurisdiction_code from api_keys k left join agencies a on a.id = k.agency_id where k.prefix = $1',
      values: [prefix]
    })
    return rows[0]?.secret_hash === createHash('sha256').update(secret ?? '').digest('hex')
  }
  app.get<{ Params: { id: string } }>('/v1/enterprises/:id', async (request, reply) => {
    if (!await authenticate(request.headers.authorization)) return reply.code(401).send({ code: 'unauthenticated' })
    const { rows } = await pool.query({ name: 'bare_by_id', text: `select ${columns} from enterprises where id = $1`, values: [request.params.id] })
    if (!rows[0]) return reply.code(404).send({ code: 'not_found' })
    return toJson(rows[0])
  })
  app.get<{ Querystring: { sector: string, jurisdiction: string, status: string, limit: string } }>('/v1/enterprises', async (request, reply) => {
    if (!await authenticate(request.headers.authorization)) return reply.code(401).send({ code: 'unauthenticated' })
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
  // Licences: a regulator's filtered page, and the public verification of a plate.
  const licenceColumns = 'id, type, number, jurisdiction_code, issuing_agency_id, enterprise_id, valid_from, valid_until, status, plate, plate_colour, vin, driver_id_masked, import_id, version, created_at, updated_at'
  const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
  const effective = (r: Row) => r.status === 'revoked' ? 'revoked' : (r.valid_until as string) < today() ? 'expired' : r.status
  const licenceJson = (r: Row) => ({
    id: r.id,
    type: r.type,
    number: r.number,
    jurisdictionCode: r.jurisdiction_code,
    issuingAgencyId: r.issuing_agency_id,
    enterpriseId: r.enterprise_id,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    status: effective(r),
    recordedStatus: r.status,
    valid: effective(r) === 'active' && (r.valid_from as string) <= today(),
    plate: r.plate,
    plateColour: r.plate_colour,
    vin: r.vin,
    driverIdMasked: r.driver_id_masked,
    importId: r.import_id,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    warnings: []
  })
  const guangzhou = ['440100', '440103', '440104', '440105', '440106', '440111', '440112', '440113', '440114', '440115', '440117', '440118', '440102', '440107', '440116']
  app.get<{ Querystring: { type?: string, status?: string, expiringWithinDays?: string, limit: string } }>('/v1/licences', async (request, reply) => {
    if (!await authenticate(request.headers.authorization)) return reply.code(401).send({ code: 'unauthenticated' })
    const q = request.query
    const limit = Number(q.limit)
    const { rows } = q.expiringWithinDays === undefined
      ? await pool.query({
        name: `bare_licences_${q.status}`,
        text: `select ${licenceColumns} from licences where jurisdiction_code = any($1) and type = $2 and status = $3 and valid_until >= $4 order by id limit $5`,
        values: [guangzhou, q.type, q.status, today(), limit + 1]
      })
      : await pool.query({
        name: 'bare_licences_expiring',
        text: `select ${licenceColumns} from licences where jurisdiction_code = any($1) and status <> 'revoked' and valid_until >= $2 and valid_until <= $2::date + $3::int order by id limit $4`,
        values: [guangzhou, today(), Number(q.expiringWithinDays), limit + 1]
      })
    return { items: rows.slice(0, limit).map(licenceJson), nextCursor: rows.length > limit ? 'x' : null }
  })
  app.get<{ Querystring: { plate: string } }>('/v1/public/licences/verify', async (request) => {
    const { rows } = await pool.query({
      name: 'bare_verify',
      text: `select l.type, l.number, l.jurisdiction_code, l.status, l.valid_from, l.valid_until, l.plate, e.name_zh
        from licences l left join enterprises e on e.id = l.enterprise_id
        where l.plate = $1 and l.type = 'vehicle_certificate' order by l.id desc limit 20`,
      values: [request.query.plate.toUpperCase()]
    })
    const matches = rows.map((r: Row) => ({
      type: r.type,
      number: r.number,
      jurisdictionCode: r.jurisdiction_code,
      jurisdictionName: '广州市',
      status: effective(r),
      valid: effective(r) === 'active' && (r.valid_from as string) <= today(),
      validFrom: r.valid_from,
      validUntil: r.valid_until,
      plate: r.plate,
      holderName: r.name_zh
    }))
    return { valid: matches.some((m) => m.valid), matches }
  })
  return app
}

const server = mode === 'bare'
  ? await bare()
  : await buildApp({
    config: defaultConfig({ ...benchConfig(databaseUrl), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: 100_000_000, RATE_LIMIT_ANONYMOUS_PER_MINUTE: 100_000_000 }),
    auditTrail: mode === 'app'
  })
await server.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(JSON.stringify({ port: (server.server.address() as { port: number }).port }) + '\n')
process.on('SIGTERM', () => { server.close().then(() => process.exit(0), () => process.exit(1)) })
// BENCH_MEMORY=1: the process's memory every second on stderr, to see what a peak is made of.
if (process.env.BENCH_MEMORY) {
  setInterval(() => {
    const m = process.memoryUsage()
    process.stderr.write(`[memory] ${Object.entries(m).map(([k, v]) => `${k} ${(v / 1048576).toFixed(0)}`).join(' ')}\n`)
  }, 1000).unref()
}
