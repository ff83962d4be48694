import { sql } from 'drizzle-orm'
import { char, check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

export const sectors = ['ride_hailing', 'bike_share', 'car_share'] as const
export const enterpriseStatuses = ['active', 'suspended', 'exited'] as const

// A small reference table (replicated, not distributed, on Citus): ~300 platforms nationally.
export const enterprises = pgTable('enterprises', {
  id: uuid('id').primaryKey(),
  uscc: char('uscc', { length: 18 }).notNull(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en'),
  /** The company id the Ministry's ride-hailing data interface knows it by (公司标识, assigned by the Ministry), if it has one. */
  ipcCompanyId: text('ipc_company_id'),
  sectors: text('sectors').array().notNull(),
  jurisdictionCodes: text('jurisdiction_codes').array().notNull(),
  status: text('status', { enum: enterpriseStatuses }).notNull().default('active'),
  version: integer('version').notNull().default(1),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
}, (t) => [
  uniqueIndex('enterprises_uscc_unique').on(t.uscc),
  uniqueIndex('enterprises_ipc_company_unique').on(t.ipcCompanyId).where(sql`${t.ipcCompanyId} is not null`),
  index('enterprises_sectors_gin').using('gin', t.sectors),
  index('enterprises_jurisdictions_gin').using('gin', t.jurisdictionCodes),
  index('enterprises_status_idx').on(t.status, t.id),
  check('enterprises_status_known', sql`${t.status} in ('active', 'suspended', 'exited')`),
  check('enterprises_sectors_known', sql`${t.sectors} <@ array['ride_hailing', 'bike_share', 'car_share']::text[] and cardinality(${t.sectors}) > 0`),
  check('enterprises_operates_somewhere', sql`cardinality(${t.jurisdictionCodes}) > 0`)
])

// Every status change with its reason: the enterprise's row holds only the current status.
export const enterpriseStatusChanges = pgTable('enterprise_status_changes', {
  id: uuid('id').primaryKey(),
  enterpriseId: uuid('enterprise_id').notNull().references(() => enterprises.id),
  fromStatus: text('from_status', { enum: enterpriseStatuses }),
  toStatus: text('to_status', { enum: enterpriseStatuses }).notNull(),
  reason: text('reason').notNull(),
  enterpriseVersion: integer('enterprise_version').notNull().default(1),
  changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  requestId: text('request_id')
}, (t) => [
  index('enterprise_status_changes_enterprise_idx').on(t.enterpriseId, t.id)
])

export type EnterpriseRow = typeof enterprises.$inferSelect
export type EnterpriseStatusChangeRow = typeof enterpriseStatusChanges.$inferSelect
