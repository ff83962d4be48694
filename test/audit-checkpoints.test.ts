import t from 'tap'
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { appendFileSync, readFileSync, statSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import { buildApp, type App } from '../src/app.js'
import { rowsOf } from '../src/db/client.js'
import { checkpointCopyPath, lastCopiedCheckpoint, loadAuditSigner, signingKeyPath, type Checkpoint } from '../src/modules/audit/checkpoints.js'
import { actors } from './helpers/actors.js'
import { anotherInstance, auditSigningKey, configOf, tableCounts, testApp } from './helpers/app.js'
import { registerEnterprise } from './helpers/fixtures.js'

// Each tampering scenario needs a database of its own, and each costs a migrated one.
t.setTimeout(300_000)

type Actors = Awaited<ReturnType<typeof actors>>

async function head (app: App) {
  const [row] = rowsOf<{ seq: string, hash: string }>(await app.db.execute(sql`select seq, hash from audit_events order by seq desc limit 1`))
  return { seq: Number(row!.seq), hash: row!.hash }
}

async function signNow ({ admin }: Actors): Promise<Checkpoint> {
  const res = await admin.inject({ method: 'POST', url: '/v1/audit/checkpoints' })
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json()
}

const verdict = async ({ admin }: Actors) => (await admin.inject({ url: '/v1/audit/verify' })).json()
const verdictAgainst = async ({ admin }: Actors, checkpoint: Checkpoint) => (await admin.inject({ method: 'POST', url: '/v1/audit/verify', payload: checkpoint })).json()

/** What someone with the database's credentials can do: turn the append-only triggers off. */
async function asAttacker (app: App, statements: ReturnType<typeof sql>[]) {
  await app.db.execute(sql`alter table audit_events disable trigger audit_events_no_update_or_delete`)
  await app.db.execute(sql`alter table audit_checkpoints disable trigger audit_checkpoints_no_update_or_delete`)
  for (const statement of statements) await app.db.execute(statement)
  await app.db.execute(sql`alter table audit_events enable trigger audit_events_no_update_or_delete`)
  await app.db.execute(sql`alter table audit_checkpoints enable trigger audit_checkpoints_no_update_or_delete`)
}

/** Edits the event at `seq` and recomputes its hash and every later link with the database's own function. */
const rewriteFrom = (seq: number) => sql.raw(`
  do $$
  declare
    e audit_events;
    prev text;
  begin
    update audit_events set after = jsonb_set(coalesce(after, '{}'), '{label}', '"篡改"') where seq = ${seq};
    select hash into prev from audit_events where seq = ${seq - 1};
    for e in select * from audit_events where seq >= ${seq} order by seq loop
      update audit_events set prev_hash = prev, hash = audit_event_hash(prev, e) where seq = e.seq returning hash into prev;
    end loop;
  end $$`)

t.test('checkpoints are signed on demand, published with their key, and verify with that key outside the service', async (t) => {
  const app = await testApp(t)
  const people = await actors(app)
  await registerEnterprise(people.guangzhou)
  t.equal((await people.guangzhou.inject({ method: 'POST', url: '/v1/audit/checkpoints' })).statusCode, 403, 'signing is for admins')

  t.match(await verdict(people), { valid: true, checkpoint: null }, 'before the first checkpoint, the chain alone')
  const checkpoint = await signNow(people)
  t.same({ seq: checkpoint.seq, hash: checkpoint.hash }, await head(app), 'the head of the chain is what is signed')
  const again = await people.admin.inject({ method: 'POST', url: '/v1/audit/checkpoints' })
  t.equal(again.statusCode, 200, 'an unmoved head is not signed twice')
  t.same(again.json(), checkpoint)

  const published = await people.anonymous.inject({ url: '/v1/public/audit/checkpoints' })
  t.equal(published.statusCode, 200, 'anyone may fetch them, with no key')
  const { signingKey, items, nextCursor } = published.json()
  t.same(items, [checkpoint])
  t.equal(nextCursor, null)
  t.equal(signingKey.algorithm, 'Ed25519')
  const publicKey = createPublicKey(signingKey.publicKey)
  t.equal(signingKey.keyId, createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16), 'the key id is derived from the public key')
  t.equal(checkpoint.keyId, signingKey.keyId)
  const line = `platform-oversight audit checkpoint v1 seq=${checkpoint.seq} hash=${checkpoint.hash} at=${checkpoint.at} key=${checkpoint.keyId}`
  t.ok(verify(null, Buffer.from(line), publicKey, Buffer.from(checkpoint.signature, 'base64')), 'the signature verifies with nothing but the public key and the documented line')
  t.notOk(verify(null, Buffer.from(line.replace(`seq=${checkpoint.seq}`, `seq=${checkpoint.seq - 1}`)), publicKey, Buffer.from(checkpoint.signature, 'base64')), 'and covers the seq')

  const document = (await app.inject({ url: '/openapi.json' })).json()
  t.match(document.info['x-audit-signing-key'], { keyId: signingKey.keyId, algorithm: 'Ed25519', publicKey: signingKey.publicKey }, 'the served document carries the key')

  t.match(await verdict(people), { valid: true, firstBroken: null, checkpoint: { ...checkpoint, source: 'published', signatureValid: true, matches: true } })
  await registerEnterprise(people.guangzhou)
  t.match(await verdict(people), { valid: true, firstBroken: null, checkpoint: { seq: checkpoint.seq } }, 'events after the latest checkpoint, untouched, are still valid')

  const later = await signNow(people)
  t.ok(later.seq > checkpoint.seq)
  const first = (await people.anonymous.inject({ url: '/v1/public/audit/checkpoints?limit=1' })).json()
  t.same(first.items, [later], 'newest first')
  const second = (await people.anonymous.inject({ url: `/v1/public/audit/checkpoints?limit=1&cursor=${first.nextCursor}` })).json()
  t.same(second.items, [checkpoint], 'then the older, by cursor')
  t.equal(second.nextCursor, null)

  // A checkpoint in a verification body is checked field by field, and nothing is written.
  const before = await tableCounts(app)
  const cases: Array<[string, unknown, string]> = [
    ['missing hash', { ...later, hash: undefined }, '/hash'],
    ['hash not hex', { ...later, hash: 'x'.repeat(64) }, '/hash'],
    ['seq not a number', { ...later, seq: '1' }, '/seq'],
    ['an unknown field', { ...later, note: 'mine' }, '/note'],
    ['signature not base64', { ...later, signature: 'not base64!' }, '/signature']
  ]
  for (const [name, payload, pointer] of cases) {
    const res = await people.admin.inject({ method: 'POST', url: '/v1/audit/verify', payload: payload as object })
    t.equal(res.statusCode, 400, name)
    t.match(res.json(), { code: 'validation_failed', errors: [{ in: 'body', pointer }] }, name)
  }
  t.equal((await people.guangzhou.inject({ method: 'POST', url: '/v1/audit/verify', payload: later })).statusCode, 403, 'verification is for admins')
  t.same(await tableCounts(app), before)

  await t.rejects(app.db.execute(sql`update audit_checkpoints set hash = repeat('0', 64)`), { cause: { message: /append-only/ } }, 'the database refuses to change a checkpoint')
  await t.rejects(app.db.execute(sql`delete from audit_checkpoints`), { cause: { message: /append-only/ } })
  await t.rejects(app.db.execute(sql`truncate audit_checkpoints`), { cause: { message: /append-only/ } })
})

t.test('an event edited, with every later hash recomputed by audit_event_hash, is caught by a later checkpoint', async (t) => {
  const app = await testApp(t)
  const people = await actors(app)
  for (let i = 0; i < 3; i++) await registerEnterprise(people.guangzhou)
  const checkpoint = await signNow(people)
  await registerEnterprise(people.guangzhou)
  await asAttacker(app, [rewriteFrom(checkpoint.seq - 2)])
  const found = await verdict(people)
  t.match(found, {
    valid: false,
    checked: (await head(app)).seq,
    firstBroken: { seq: checkpoint.seq, reason: 'checkpoint_mismatch' },
    checkpoint: { seq: checkpoint.seq, hash: checkpoint.hash, signatureValid: true, matches: false }
  }, 'every link recomputes, so only the signed hash shows the rewrite')
  const refused = await people.admin.inject({ method: 'POST', url: '/v1/audit/checkpoints' })
  t.match(refused.json(), { status: 409, code: 'audit_chain_broken' }, 'and the rewritten head is not signed')
})

t.test('removing the newest events is caught by the checkpoint that signed them, or else by an outsider’s copy of it', async (t) => {
  const app = await testApp(t)
  const people = await actors(app)
  await registerEnterprise(people.guangzhou)
  const early = await signNow(people)
  await registerEnterprise(people.guangzhou)
  await registerEnterprise(people.guangzhou)
  await signNow(people)
  // An auditor fetches the latest and keeps it.
  const latest: Checkpoint = (await people.anonymous.inject({ url: '/v1/public/audit/checkpoints?limit=1' })).json().items[0]

  await asAttacker(app, [sql`delete from audit_events where seq > ${latest.seq - 2}`])
  t.match(await verdict(people), {
    valid: false,
    lastSeq: latest.seq - 2,
    firstBroken: { seq: latest.seq - 1, reason: 'truncated_before_checkpoint' },
    checkpoint: { seq: latest.seq, source: 'published', signatureValid: true, matches: false }
  }, 'the links that are left hold, but the signed event is gone')
  const before = await tableCounts(app)
  const refused = await people.admin.inject({ method: 'POST', url: '/v1/audit/checkpoints' })
  t.equal(refused.statusCode, 409)
  t.match(refused.json(), { code: 'audit_chain_broken', detail: new RegExp(`seq ${latest.seq}`) })
  t.same(await tableCounts(app), before)
  t.equal(rowsOf<{ n: number }>(await app.db.execute(sql`select count(*)::int as n from audit_checkpoints`))[0]!.n, 2, 'a truncated chain is never signed')

  // The attacker removes the checkpoints that signed the removed events too.
  await asAttacker(app, [sql`delete from audit_events where seq > ${early.seq}`, sql`delete from audit_checkpoints where seq > ${early.seq}`])
  t.match(await verdict(people), { valid: true, checkpoint: { seq: early.seq } }, 'against what is left in the database the chain looks whole')
  t.match(await verdictAgainst(people, latest), {
    valid: false,
    firstBroken: { seq: early.seq + 1, reason: 'truncated_before_checkpoint' },
    checkpoint: { ...latest, source: 'given', signatureValid: true, matches: false }
  }, 'but not against the copy the auditor kept')

  const forged = await verdictAgainst(people, { ...early, hash: 'f'.repeat(64) })
  t.match(forged, { valid: false, firstBroken: { seq: early.seq, reason: 'checkpoint_signature_invalid' }, checkpoint: { signatureValid: false, matches: false } }, 'a checkpoint this key did not sign proves nothing')
  t.match(await verdictAgainst(people, early), { valid: true, checkpoint: { source: 'given', signatureValid: true, matches: true } })
})

t.test('the head is signed by itself every AUDIT_CHECKPOINT_SECONDS when it has moved', async (t) => {
  const app = await testApp(t, { AUDIT_CHECKPOINT_SECONDS: 1 })
  const people = await actors(app)
  await registerEnterprise(people.guangzhou)
  const target = await head(app)
  let items: Checkpoint[] = []
  for (let i = 0; i < 60 && !items.some((c) => c.seq === target.seq); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    items = (await people.anonymous.inject({ url: '/v1/public/audit/checkpoints' })).json().items
  }
  t.match(items[0], { seq: target.seq, hash: target.hash })
  await new Promise((resolve) => setTimeout(resolve, 1200))
  t.equal((await people.anonymous.inject({ url: '/v1/public/audit/checkpoints' })).json().items.length, items.length, 'an unmoved head is not signed again')
})

t.test('the key is kept outside the database; a copy of every checkpoint is kept beside it; another key is refused', async (t) => {
  const app = await testApp(t, { DATA_DIR: t.testdir(), AUDIT_SIGNING_KEY: undefined })
  const config = configOf(app)
  const people = await actors(app)
  const checkpoint = await signNow(people)
  const keyFile = signingKeyPath(config)!
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'the key file is readable by the service only')
  t.match(readFileSync(keyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----/)
  const copy = checkpointCopyPath(config)!
  t.same(readFileSync(copy, 'utf8').trim().split('\n').map((l) => JSON.parse(l)), [checkpoint], 'one line per checkpoint signed')
  t.notMatch(JSON.stringify(rowsOf(await app.db.execute(sql`select * from service_secrets`))), /PRIVATE KEY/, 'no key in the database')
  appendFileSync(copy, '{"seq":99999,"hash":"')
  t.same(lastCopiedCheckpoint(copy), checkpoint, 'a line a crash cut short is passed over')

  // Someone with database access removes the checkpoint with the events it signed: the copy beside the database still has it.
  await registerEnterprise(people.guangzhou)
  const later = await signNow(people)
  await asAttacker(app, [sql`delete from audit_events where seq > ${checkpoint.seq}`, sql`delete from audit_checkpoints where seq > ${checkpoint.seq}`])
  t.same(lastCopiedCheckpoint(copy), later, 'and the next checkpoint starts a line of its own')
  t.match(await verdict(people), { valid: false, firstBroken: { reason: 'truncated_before_checkpoint' }, checkpoint: { seq: later.seq, source: 'published' } }, 'the file copy is compared with')
  if (!config.DATABASE_URL) await app.close()

  const restarted = await anotherInstance(t, app)
  t.equal((await restarted.inject({ url: '/v1/public/audit/checkpoints' })).json().signingKey.keyId, checkpoint.keyId, 'the kept key after a restart')
  if (!config.DATABASE_URL) await restarted.close()
  const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  await t.rejects(buildApp({ config: { ...config, AUDIT_SIGNING_KEY: other }, logger: false }), {
    message: /^The audit signing key \(AUDIT_SIGNING_KEY, key id [0-9a-f]{16}\) is not the one that signed this database's audit checkpoints \(key id [0-9a-f]{16}\); start with that key[^\n]+$/
  })
})

t.test('a signing key that is not an Ed25519 private key is refused in one sentence', async (t) => {
  const given = (AUDIT_SIGNING_KEY: string) => () => loadAuditSigner({ AUDIT_SIGNING_KEY, DATA_DIR: 'memory://' })
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  t.throws(given(rsa), { message: /^The audit signing key \(AUDIT_SIGNING_KEY\) is an rsa key, not Ed25519; [^\n]+$/ })
  t.throws(given('not a key'), { message: /^The audit signing key \(AUDIT_SIGNING_KEY\) is not a PKCS#8 private key; [^\n]+$/ })
  const pem = auditSigningKey()
  const { signer } = loadAuditSigner({ AUDIT_SIGNING_KEY: pem, DATA_DIR: 'memory://' })
  t.equal(loadAuditSigner({ AUDIT_SIGNING_KEY: Buffer.from(pem).toString('base64'), DATA_DIR: 'memory://' }).signer.keyId, signer.keyId, 'base64 of the PEM is the same key')
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }).toString('base64')
  t.equal(loadAuditSigner({ AUDIT_SIGNING_KEY: der, DATA_DIR: 'memory://' }).signer.keyId, signer.keyId, 'so is base64 of its DER')
  t.not(loadAuditSigner({ DATA_DIR: 'memory://' }).signer.keyId, signer.keyId, 'in memory, without one, a key of its own')
})
