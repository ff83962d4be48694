import t from 'tap'
import { createHmac } from 'node:crypto'
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { sql } from 'drizzle-orm'
import { DrizzleQueryError } from 'drizzle-orm/errors'
import { pino } from 'pino'
import { buildApp, loggerOptions } from '../src/app.js'
import { defaultConfig } from '../src/config.js'
import { rowsOf } from '../src/db/client.js'
import { canonicalJson, sha256 } from '../src/lib/canonical.js'
import { keyFromFile, personalDataKeyPath } from '../src/plugins/personal-data.js'
import { sampleResidentId } from '../src/seed/licence-samples.js'
import { actors, client } from './helpers/actors.js'
import { anotherInstance, configOf, tableCounts, testApp } from './helpers/app.js'
import { licenceInput, registerEnterprise } from './helpers/fixtures.js'

t.test('the key of the driver ID hashes is never in the database, nor is any unkeyed digest of a body that holds an ID', async (t) => {
  const app = await testApp(t)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz)
  const idNumber = sampleResidentId('440106', '19830917', 421)
  const input = licenceInput('driver_certificate', { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }, { idNumber })
  const issued = await gz.inject({ method: 'POST', url: '/v1/licences', headers: { 'idempotency-key': 'pd-1' }, payload: input })
  t.equal(issued.statusCode, 201)
  const [licence] = rowsOf<{ driver_id_hash: string }>(await app.db.execute(sql`select driver_id_hash from licences where id = ${issued.json().id}`))
  t.equal(licence!.driver_id_hash, app.hashPersonal(idNumber))
  const secrets = rowsOf<{ value: string }>(await app.db.execute(sql`select value from service_secrets`))
  t.ok(secrets.length > 0)
  for (const { value } of secrets) {
    t.not(createHmac('sha256', value).update(idNumber).digest('base64url'), licence!.driver_id_hash, 'no stored secret makes the hash')
  }
  const [record] = rowsOf<{ request_hash: string }>(await app.db.execute(sql`select request_hash from idempotency_records`))
  t.not(record!.request_hash, sha256(`POST /v1/licences\n${canonicalJson(input)}`), 'the idempotency record cannot be checked against a guessed ID without the key')

  const line = JSON.stringify(licenceInput('driver_certificate', { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id })) + '\n'
  const imported = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'pd-2' }, payload: line })
  const [digest] = rowsOf<{ body_hash: string, committed_digest: string }>(await app.db.execute(sql`select body_hash, committed_digest from imports where id = ${imported.json().id}`))
  t.not(digest!.body_hash, sha256(line), 'nor the import’s body digest')
  t.not(digest!.committed_digest, sha256(line))
})

t.test('without PERSONAL_DATA_KEY the key is made once, in a file of its own beside the database; another key is refused', async (t) => {
  const first = await testApp(t, { DATA_DIR: t.testdir(), PERSONAL_DATA_KEY: undefined })
  const config = configOf(first)
  const file = personalDataKeyPath(config)!
  t.equal(statSync(file).mode & 0o777, 0o600, 'readable by the service only')
  const { guangzhou: gz } = await actors(first)
  const enterprise = await registerEnterprise(gz)
  const idNumber = sampleResidentId('440106', '19900101', 3)
  const issued = await gz.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('driver_certificate', { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }, { idNumber }) })
  t.equal(issued.statusCode, 201)
  await first.close()

  const again = await anotherInstance(t, first)
  const found = await client(again, gz.key).inject({ method: 'POST', url: '/v1/licences/driver-lookup', payload: { idNumber } })
  t.same(found.json().items.map((l: { id: string }) => l.id), [issued.json().id], 'the same key after a restart: the driver is found')
  await again.close()

  await t.rejects(buildApp({ config: { ...config, PERSONAL_DATA_KEY: 'another-key-'.repeat(4) }, logger: false }), /not the one this database's driver ID hashes were made with/)
})

t.test('a failed query is logged without its parameters or the failing row', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
  const log = pino(loggerOptions(defaultConfig({ LOG_LEVEL: 'info' })) as object, stream)
  const cause = Object.assign(new Error('new row for relation "licences" violates check constraint "licences_holder_fields"'), {
    code: '23514', detail: 'Failing row contains (440100, 440106********1234, hash-of-the-id)', constraint: 'licences_holder_fields'
  })
  log.warn({ err: new DrizzleQueryError('insert into licences (driver_id_masked) values ($1)', ['440106********1234', 'hash-of-the-id'], cause) }, 'import failed')
  const logged = lines.join('')
  t.notMatch(logged, /440106\*+1234|hash-of-the-id|Failing row/, 'no value, no row')
  const entry = JSON.parse(lines[0]!)
  t.match(entry.err, { query: 'insert into licences (driver_id_masked) values ($1)', message: /parameters not logged.*violates check constraint "licences_holder_fields"/s })
})

t.test('a key file is made whole, once, and never replaced; a short one is refused', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'personal-data.key')
  const made = keyFromFile(file)
  t.ok(made.length >= 32)
  t.equal(keyFromFile(file), made, 'the second start reads the same key')
  t.same(readdirSync(dir), ['personal-data.key'], 'no draft left beside it')
  writeFileSync(file, 'short\n')
  t.throws(() => keyFromFile(file), /shorter than 32 characters/)
})

t.test('a resident ID number typed as a licence number is personal data on every type: refused where the type cannot carry one, masked where it can; never in a verify answer, the audit trail or the log', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
  const config = defaultConfig({ DATA_DIR: 'memory://', DEMO_DATA: false, LOG_LEVEL: 'debug' })
  const app = await buildApp({ config, logger: { ...(loggerOptions(config) as object), stream } })
  t.teardown(() => app.close())
  const { admin, guangzhou: gz, anonymous } = await actors(app)
  const enterprise = await registerEnterprise(gz)
  const base = { issuingAgencyId: gz.agency.id, enterpriseId: enterprise.id }
  const idNumber = sampleResidentId('440106', '19880808', 77)
  const birth = idNumber.slice(6, 14)
  const leaks = (text: string) => text.includes(idNumber) || text.includes(idNumber.toLowerCase()) || text.includes(birth)

  t.test('a vehicle certificate, a permit or a filing numbered with an ID number, or holding one, is refused at /number and nothing is written', async (t) => {
    const numbers = [idNumber, idNumber.slice(0, 17) + idNumber[17]!.toLowerCase(), `YZ${idNumber}`, `${idNumber}-1`]
    for (const type of ['vehicle_certificate', 'platform_permit', 'car_share_filing'] as const) {
      for (const number of numbers) {
        const before = await tableCounts(app)
        const res = await gz.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput(type, base, { number }) })
        t.equal(res.statusCode, 400, `${type} ${number}`)
        t.match(res.json(), { code: 'personal_data_not_allowed', errors: [{ in: 'body', pointer: '/number', code: 'number_holds_resident_id' }] })
        t.notOk(leaks(res.body), 'the answer does not repeat it')
        t.same(await tableCounts(app), before)
      }
    }
  })

  t.test('a driver certificate may be numbered with its holder’s ID number exactly, not with one inside a longer number', async (t) => {
    const before = await tableCounts(app)
    const inside = await gz.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('driver_certificate', base, { idNumber, number: `粤${idNumber}` }) })
    t.equal(inside.statusCode, 400)
    t.match(inside.json(), { code: 'personal_data_not_allowed', errors: [{ pointer: '/number', code: 'number_holds_resident_id' }] })
    t.same(await tableCounts(app), before)
    const exact = await gz.inject({ method: 'POST', url: '/v1/licences', payload: licenceInput('driver_certificate', base, { idNumber, number: idNumber }) })
    t.equal(exact.statusCode, 201)
    t.match(exact.json(), { numberIsIdNumber: true, number: `${idNumber.slice(0, 6)}********${idNumber.slice(-4)}` })
  })

  t.test('the bulk import refuses the same lines in the same words', async (t) => {
    const refused = [
      licenceInput('vehicle_certificate', base, { number: idNumber }),
      licenceInput('platform_permit', base, { number: `P${idNumber}` }),
      licenceInput('car_share_filing', base, { number: idNumber })
    ]
    const counted = (await tableCounts(app)).licences
    const res = await gz.inject({ method: 'POST', url: '/v1/licence-imports', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'pd-numbers' }, payload: refused.map((l) => JSON.stringify(l)).join('\n') + '\n' })
    t.equal(res.statusCode, 201)
    t.match(res.json(), { applied: 0, rejected: 3 })
    t.same(res.json().errors.map((e: { code: string, errors: Array<{ pointer: string }> }) => [e.code, e.errors[0]!.pointer]), Array(3).fill(['personal_data_not_allowed', '/number']))
    t.notOk(leaks(res.body))
    t.equal((await tableCounts(app)).licences, counted)
    const [stored] = rowsOf<{ rows: string | null }>(await app.db.execute(sql`select string_agg(errors::text, '') as rows from import_errors`))
    t.notOk(leaks(stored!.rows ?? ''), 'the refused lines are kept without it')
  })

  t.test('verification: never from a URL, and the answer never shows it', async (t) => {
    for (const number of [idNumber, `YZ${idNumber}`]) {
      const url = await anonymous.inject({ url: `/v1/public/licences/verify?type=vehicle_certificate&number=${number}` })
      t.equal(url.statusCode, 400)
      t.match(url.json(), { code: 'personal_data_in_url', errors: [{ in: 'query', pointer: '/number' }] })
    }
    const vehicle = await anonymous.inject({ method: 'POST', url: '/v1/public/licences/verify', payload: { type: 'vehicle_certificate', number: idNumber } })
    t.same(vehicle.json(), { valid: false, matches: [] }, 'no vehicle certificate holds it')
    const driver = await anonymous.inject({ method: 'POST', url: '/v1/public/licences/verify', payload: { type: 'driver_certificate', number: idNumber } })
    t.equal(driver.json().matches.length, 1)
    t.notOk(leaks(driver.body), 'the driver certificate numbered with it is shown masked')
  })

  t.test('neither the audit trail nor any log line holds it', async (t) => {
    const audit = await admin.inject({ url: '/v1/audit?limit=200' })
    t.equal(audit.statusCode, 200)
    t.ok(audit.json().items.length > 0)
    t.notOk(leaks(audit.body), 'GET /v1/audit')
    const [trail] = rowsOf<{ all: string }>(await app.db.execute(sql`select string_agg(coalesce(before::text, '') || coalesce(after::text, ''), '') as all from audit_events`))
    t.notOk(leaks(trail!.all), 'nor the stored events')
    t.ok(lines.length > 20, 'the requests were logged')
    t.notOk(leaks(lines.join('')), 'no log line')
  })
})
