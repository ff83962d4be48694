import { sql } from 'drizzle-orm'
import { char, check, integer, pgTable, text, timestamp, uniqueIndex, uuid, index } from 'drizzle-orm/pg-core'
import { jurisdictions } from '../jurisdictions/table.js'

export const agencyKinds = [
  'transport', 'market_regulation', 'cyberspace', 'development_reform', 'public_security',
  'commerce', 'industry_information', 'human_resources', 'big_data', 'finance', 'taxation',
  'urban_management', 'other'
] as const

// A small reference table (replicated, not distributed, on Citus).
export const agencies = pgTable('agencies', {
  id: uuid('id').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en'),
  kind: text('kind', { enum: agencyKinds }).notNull(),
  jurisdictionCode: char('jurisdiction_code', { length: 6 }).notNull().references(() => jurisdictions.code),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
}, (t) => [
  uniqueIndex('agencies_name_per_jurisdiction').on(t.jurisdictionCode, t.nameZh),
  index('agencies_kind_idx').on(t.kind, t.id),
  check('agencies_kind_known', sql.raw(`kind in (${agencyKinds.map((k) => `'${k}'`).join(', ')})`))
])

export type AgencyRow = typeof agencies.$inferSelect
