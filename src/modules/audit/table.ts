import type { AuditEntityType } from './actions.js'
import { bigint, bigserial, char, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'

// The audit trail: append-only (triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained in
// seq order. Appends are serialised, so seq order is commit order and the change feed pages by it.
// jurisdiction_code leads the primary key so the table can be distributed by it.
export const auditEvents = pgTable('audit_events', {
  seq: bigint('seq', { mode: 'number' }).notNull(),
  jurisdictionCode: char('jurisdiction_code', { length: 6 }).notNull(),
  occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'string' }).notNull(),
  actorKeyId: uuid('actor_key_id'),
  actorRole: text('actor_role').notNull(),
  actorAgencyId: uuid('actor_agency_id'),
  actorEnterpriseId: uuid('actor_enterprise_id'),
  // Names of 0.1.0 may be stored here; readers see them through currentAction (actions.ts).
  action: text('action').notNull(),
  entityType: text('entity_type').$type<AuditEntityType>().notNull(),
  entityId: text('entity_id').notNull(),
  enterpriseId: uuid('enterprise_id'),
  jurisdictionCodes: text('jurisdiction_codes').array().notNull(),
  requestId: text('request_id'),
  before: jsonb('before'),
  after: jsonb('after'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull()
}, (t) => [
  primaryKey({ columns: [t.jurisdictionCode, t.seq] }),
  index('audit_events_seq_idx').on(t.seq),
  index('audit_events_entity_idx').on(t.entityType, t.entityId, t.seq),
  index('audit_events_actor_idx').on(t.actorKeyId, t.seq),
  index('audit_events_enterprise_idx').on(t.enterpriseId, t.seq),
  index('audit_events_jurisdictions_gin').using('gin', t.jurisdictionCodes)
])

export type AuditEventRow = typeof auditEvents.$inferSelect

// A change's events wait here until its transaction commits; a deferred trigger then chains them
// into audit_events (migrations/0006), so the lock that orders the chain is held only during commit.
export const auditPending = pgTable('audit_pending', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  events: jsonb('events').notNull()
})

// Signed statements of the chain's head (checkpoints.ts): an event at `seq` has `hash`. Signed
// with a key kept outside the database and published, so that an outsider's copy, and the file
// copy beside the database, catch what the chain alone cannot: its newest events removed, or an
// event edited and every later hash recomputed. Append-only like the trail.
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  signedAt: timestamp('signed_at', { withTimezone: true, mode: 'date' }).notNull(),
  keyId: text('key_id').notNull(),
  signature: text('signature').notNull()
})

export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect
