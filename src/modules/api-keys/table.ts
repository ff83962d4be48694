import { sql } from 'drizzle-orm'
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { agencies } from '../agencies/table.js'
import { enterprises } from '../enterprises/table.js'

export const keyRoles = ['admin', 'regulator', 'platform'] as const

// API keys: only a hash of the secret is kept; the prefix, which is not secret, finds the row.
export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey(),
  prefix: text('prefix').notNull(),
  secretHash: text('secret_hash').notNull(),
  role: text('role', { enum: keyRoles }).notNull(),
  agencyId: uuid('agency_id').references(() => agencies.id),
  enterpriseId: uuid('enterprise_id').references(() => enterprises.id),
  label: text('label').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  createdBy: uuid('created_by')
}, (t) => [
  uniqueIndex('api_keys_prefix_unique').on(t.prefix),
  index('api_keys_agency_idx').on(t.agencyId),
  index('api_keys_enterprise_idx').on(t.enterpriseId),
  check('api_keys_role_known', sql`${t.role} in ('admin', 'regulator', 'platform')`),
  check('api_keys_holder_matches_role', sql`(${t.role} = 'regulator') = (${t.agencyId} is not null) and (${t.role} = 'platform') = (${t.enterpriseId} is not null)`)
])

export type ApiKeyRow = typeof apiKeys.$inferSelect
