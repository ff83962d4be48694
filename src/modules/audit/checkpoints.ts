import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs'
import { dirname } from 'node:path'
import { desc, eq, lt, sql } from 'drizzle-orm'
import type { Config } from '../../config.js'
import { rowsOf, type Database } from '../../db/client.js'
import { secretInFile } from '../../db/secrets.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { ProblemError } from '../../lib/problems.js'
import { installationFile } from '../../paths.js'
import { auditCheckpoints, auditEvents, type AuditCheckpointRow } from './table.js'

// Signed checkpoints of the audit chain's head. The chain alone proves only that it is consistent
// with itself: whoever can write the database can remove its newest events, or edit one and
// recompute every later hash with audit_event_hash. A checkpoint says "the event at seq has this
// hash", signed with a key the database never holds and published for outsiders to keep, so such
// a rewrite no longer matches what was signed before it.

export interface Checkpoint { seq: number, hash: string, at: string, keyId: string, signature: string }

/** What a checkpoint's Ed25519 signature covers: one line, reproducible in any language. */
export function checkpointText (c: Omit<Checkpoint, 'signature'>): string {
  return `platform-oversight audit checkpoint v1 seq=${c.seq} hash=${c.hash} at=${c.at} key=${c.keyId}`
}

export interface AuditSigner {
  keyId: string
  publicKeyPem: string
  sign: (head: { seq: number, hash: string, at: string }) => Checkpoint
  verifies: (checkpoint: Checkpoint) => boolean
}

/** The signer of a private key; its key id is the first 16 hex digits of SHA-256 over the public key (SPKI DER). */
export function auditSigner (privateKey: KeyObject): AuditSigner {
  const publicKey = createPublicKey(privateKey)
  const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)
  return {
    keyId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (head) => {
      const unsigned = { seq: head.seq, hash: head.hash, at: head.at, keyId }
      return { ...unsigned, signature: sign(null, Buffer.from(checkpointText(unsigned)), privateKey).toString('base64') }
    },
    verifies: (c) => {
      try {
        return c.keyId === keyId && verify(null, Buffer.from(checkpointText(c)), publicKey, Buffer.from(c.signature, 'base64'))
      } catch {
        return false
      }
    }
  }
}

/** An Ed25519 private key from PKCS#8 PEM, base64 of that PEM, or base64 of its DER. */
export function signingKeyOf (text: string, source: string): KeyObject {
  const trimmed = text.trim()
  let key: KeyObject
  try {
    const decoded = trimmed.startsWith('-----BEGIN') ? trimmed : Buffer.from(trimmed, 'base64').toString('latin1')
    key = decoded.startsWith('-----BEGIN')
      ? createPrivateKey(decoded)
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' })
  } catch {
    throw new Error(`The audit signing key (${source}) is not a PKCS#8 private key; make one with \`openssl genpkey -algorithm ed25519\` and give its PEM, or base64 of it`)
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`The audit signing key (${source}) is an ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519; make one with \`openssl genpkey -algorithm ed25519\``)
  }
  return key
}

/** Where the signing key is kept when AUDIT_SIGNING_KEY is not set: beside, never inside, the database. */
export function signingKeyPath (config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'>): string | undefined {
  return installationFile(config, 'audit-signing', 'key')
}

/** The copy of every checkpoint this instance signed, one JSON line each, beside the database. */
export function checkpointCopyPath (config: Pick<Config, 'DATA_DIR' | 'DATABASE_URL'>): string | undefined {
  return installationFile(config, 'audit-checkpoints', 'ndjson')
}

/** The configured signer, or one from the key file (made there on first start), and where its key came from. */
export function loadAuditSigner (config: Pick<Config, 'AUDIT_SIGNING_KEY' | 'DATA_DIR' | 'DATABASE_URL'>): { signer: AuditSigner, source: string } {
  const made = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  if (config.AUDIT_SIGNING_KEY) return { signer: auditSigner(signingKeyOf(config.AUDIT_SIGNING_KEY, 'AUDIT_SIGNING_KEY')), source: 'AUDIT_SIGNING_KEY' }
  const file = signingKeyPath(config)
  if (!file) return { signer: auditSigner(signingKeyOf(made(), 'generated in memory')), source: 'generated in memory' }
  return { signer: auditSigner(signingKeyOf(secretInFile(file, made), file)), source: file }
}

export function checkpointToApi (row: AuditCheckpointRow): Checkpoint {
  return { seq: row.seq, hash: row.hash, at: row.signedAt.toISOString(), keyId: row.keyId, signature: row.signature }
}

function isCheckpoint (value: unknown): value is Checkpoint {
  const c = value as Checkpoint | null
  return typeof c === 'object' && c !== null && Number.isSafeInteger(c.seq) && [c.hash, c.at, c.keyId, c.signature].every((v) => typeof v === 'string')
}

/** The newest checkpoint in the copy file: its last whole line (a crash may leave a partial one). */
export function lastCopiedCheckpoint (file: string | undefined): Checkpoint | undefined {
  if (!file || !existsSync(file)) return undefined
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const tail = Buffer.alloc(Math.min(size, 8192))
    readSync(fd, tail, 0, tail.length, size - tail.length)
    const lines = tail.toString('utf8').split('\n').reverse()
    for (const line of lines) {
      try {
        const parsed: unknown = JSON.parse(line)
        if (isCheckpoint(parsed)) return parsed
      } catch {}
    }
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** Adds a line to the copy file, on a line of its own even after a partial line a crash left. */
export function appendCheckpointCopy (file: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(file), { recursive: true })
  const fd = openSync(file, 'a+', 0o600)
  try {
    const size = fstatSync(fd).size
    const last = Buffer.alloc(1)
    if (size > 0) readSync(fd, last, 0, 1, size - 1)
    appendFileSync(fd, (size > 0 && last[0] !== 0x0a ? '\n' : '') + JSON.stringify(checkpoint) + '\n')
  } finally {
    closeSync(fd)
  }
}

/** The newest checkpoint known: in the database or, if it is further on, in the copy beside it. */
export async function latestCheckpoint (db: Database, copy: string | undefined): Promise<Checkpoint | undefined> {
  const [row] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1)
  const stored = row ? checkpointToApi(row) : undefined
  const copied = lastCopiedCheckpoint(copy)
  return copied && (!stored || copied.seq > stored.seq) ? copied : stored
}

export type BrokenReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_seq'

const genesis = '0'.repeat(64)

/**
 * The first link after `from` (whose event has `fromHash`) that does not recompute, by
 * audit_event_hash (migrations/0004): an edited event, a re-linked chain, or a removed event.
 */
export async function firstBrokenLink (db: Database, from = 0, fromHash = genesis): Promise<{ seq: number, reason: BrokenReason } | undefined> {
  const [broken] = rowsOf<{ seq: string, position: string, reason: BrokenReason }>(await db.execute(sql`
    select seq, position, reason from (
      select seq,
        row_number() over (order by seq) + ${from}::bigint as position,
        case
          when seq <> row_number() over (order by seq) + ${from}::bigint then 'missing_seq'
          when prev_hash <> coalesce(lag(hash) over (order by seq), ${fromHash}::text) then 'prev_hash_mismatch'
          when hash <> audit_event_hash(prev_hash, a) then 'hash_mismatch'
        end as reason
      from audit_events a where seq > ${from}::bigint
    ) links where reason is not null order by seq limit 1`))
  if (!broken) return undefined
  return { seq: broken.reason === 'missing_seq' ? Number(broken.position) : Number(broken.seq), reason: broken.reason }
}

export async function eventHashAt (db: Database, seq: number): Promise<string | undefined> {
  const [row] = await db.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.seq, seq))
  return row?.hash
}

function chainBroken (detail: string): ProblemError {
  return new ProblemError('audit_chain_broken', `${detail}; nothing was signed. GET /v1/audit/verify reports where`)
}

/**
 * Signs the chain's head, if it moved since the latest checkpoint, after checking that the chain
 * still extends that checkpoint: a head reached by rewriting history is never signed. Replicas
 * take turns under an advisory lock. `made` is false when the head was already signed.
 */
export async function makeCheckpoint (db: Database, signer: AuditSigner, copy: string | undefined): Promise<{ checkpoint: Checkpoint, made: boolean }> {
  const outcome = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7262009)`)
    const [head] = await tx.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1)
    if (!head) throw new ProblemError('audit_trail_empty', 'The audit trail holds no event yet: there is no head to sign')
    const last = await latestCheckpoint(tx, copy)
    if (last) {
      if (!signer.verifies(last)) throw chainBroken(`The latest checkpoint (seq ${last.seq}) does not carry this installation's signature`)
      if ((await eventHashAt(tx, last.seq)) !== last.hash) throw chainBroken(`The chain no longer holds the event signed at seq ${last.seq}`)
      if (last.seq === head.seq) return { checkpoint: last, made: false }
    }
    const broken = await firstBrokenLink(tx, last?.seq, last?.hash)
    if (broken) throw chainBroken(`The chain breaks at seq ${broken.seq} (${broken.reason})`)
    const checkpoint = signer.sign({ seq: head.seq, hash: head.hash, at: new Date().toISOString() })
    await tx.insert(auditCheckpoints).values({ ...checkpoint, signedAt: new Date(checkpoint.at) })
    return { checkpoint, made: true }
  })
  if (outcome.made && copy) appendCheckpointCopy(copy, outcome.checkpoint)
  return outcome
}

/** Published checkpoints, newest first. */
export async function listCheckpoints (db: Database, cursors: Cursors, limit: number, cursor: string | undefined) {
  const [before] = cursors.decode('audit-checkpoints', {}, cursor) ?? []
  const rows = await db.select().from(auditCheckpoints)
    .where(before ? lt(auditCheckpoints.seq, Number(before)) : undefined)
    .orderBy(desc(auditCheckpoints.seq)).limit(limit + 1)
  return page(rows, limit, checkpointToApi, (last) => cursors.encode('audit-checkpoints', {}, [String(last.seq)]))
}
