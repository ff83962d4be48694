import { integer, jsonb, pgTable, primaryKey, text, timestamp, index } from 'drizzle-orm/pg-core'

// The stored first answer to a create, replayed for a retry with the same key and body.
export const idempotencyRecords = pgTable('idempotency_records', {
  scope: text('scope').notNull(),
  key: text('key').notNull(),
  requestHash: text('request_hash').notNull(),
  statusCode: integer('status_code').notNull(),
  headers: jsonb('headers').$type<Record<string, string>>().notNull(),
  body: jsonb('body').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull()
}, (t) => [
  primaryKey({ columns: [t.scope, t.key] }),
  index('idempotency_records_expiry_idx').on(t.expiresAt)
])

// One row per data set loaded (demo seeds), so a restart neither reloads nor loses anything.
export const seedRuns = pgTable('seed_runs', {
  name: text('name').primaryKey(),
  appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
})

// Secrets the service makes for itself on first start (the cursor signing key), shared by replicas.
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
})
