import { sql } from 'drizzle-orm'
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { oneOf } from '../../db/checks.js'

/** What an import loads: each kind is a stream of its own records, read by the one engine (engine.ts). */
export const importKinds = ['licences', 'roster', 'orders', 'complaints'] as const
export type ImportKind = typeof importKinds[number]
export const importStatuses = ['receiving', 'completed', 'interrupted'] as const

// A bulk import of any kind: a resource of its own, so a client can poll its counts while the lines
// stream in. Its tenant is the agency (a register) or the enterprise (a platform's data) that sent it.
export const imports = pgTable('imports', {
  id: uuid('id').primaryKey(),
  kind: text('kind', { enum: importKinds }).notNull(),
  keyId: uuid('key_id'),
  agencyId: uuid('agency_id'),
  enterpriseId: uuid('enterprise_id'),
  idempotencyKey: text('idempotency_key'),
  /** The whole body's digest (keyed: a body holds personal data), known once it has been read to the end. */
  bodyHash: text('body_hash'),
  /** How far the committed batches reach: a retry checks that its body starts with these bytes, then goes on from there. */
  committedBytes: bigint('committed_bytes', { mode: 'number' }).notNull().default(0),
  committedLines: integer('committed_lines').notNull().default(0),
  committedDigest: text('committed_digest'),
  status: text('status', { enum: importStatuses }).notNull().default('receiving'),
  attempts: integer('attempts').notNull().default(1),
  lines: integer('lines').notNull().default(0),
  applied: integer('applied').notNull().default(0),
  rejected: integer('rejected').notNull().default(0),
  /** What the data-quality checks found in this import's lines, applied (zero_ride) or refused (implausible_time…), counted by finding. */
  findings: jsonb('findings').$type<Record<string, number>>().notNull().default({}),
  startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' })
}, (t) => [
  // An Idempotency-Key names one import of one kind: the same key on another kind's route is another import.
  uniqueIndex('imports_key_unique').on(t.keyId, t.kind, t.idempotencyKey),
  index('imports_agency_idx').on(t.kind, t.agencyId, t.id),
  index('imports_enterprise_idx').on(t.kind, t.enterpriseId, t.id).where(sql`${t.enterpriseId} is not null`),
  check('imports_status_known', oneOf('status', importStatuses)),
  check('imports_kind_known', oneOf('kind', importKinds))
])

// The lines an import refused: one row per line, with every failure on it.
export const importErrors = pgTable('import_errors', {
  importId: uuid('import_id').notNull().references(() => imports.id, { onDelete: 'cascade' }),
  line: integer('line').notNull(),
  code: text('code').notNull(),
  errors: jsonb('errors').notNull()
}, (t) => [
  primaryKey({ name: 'import_errors_pkey', columns: [t.importId, t.line] })
])

export type ImportRow = typeof imports.$inferSelect
