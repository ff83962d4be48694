import { sql } from 'drizzle-orm'
import { char, check, date, foreignKey, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { oneOf } from '../../db/checks.js'
import { agencies } from '../agencies/table.js'
import { enterprises } from '../enterprises/table.js'
import { jurisdictions } from '../jurisdictions/table.js'

export const licenceTypes = ['platform_permit', 'vehicle_certificate', 'driver_certificate', 'car_share_filing'] as const
/** What transitions set; `expired` is never stored: it follows from valid_until and the date where the licence was issued. */
export const recordedStatuses = ['active', 'suspended', 'revoked'] as const
export const licenceStatuses = ['active', 'suspended', 'expired', 'revoked'] as const
export const plateColours = ['blue', 'yellow', 'black', 'white', 'green', 'yellow_green', 'other'] as const
export const transitionActions = ['suspend', 'reinstate', 'revoke', 'renew'] as const

// The large table (millions nationally). Distributed by jurisdiction_code on Citus, so the primary
// key and every unique key include it; the number is unique per jurisdiction and type.
export const licences = pgTable('licences', {
  jurisdictionCode: char('jurisdiction_code', { length: 6 }).notNull().references(() => jurisdictions.code),
  id: uuid('id').notNull(),
  type: text('type', { enum: licenceTypes }).notNull(),
  number: text('number').notNull(),
  issuingAgencyId: uuid('issuing_agency_id').notNull().references(() => agencies.id),
  enterpriseId: uuid('enterprise_id').references(() => enterprises.id),
  validFrom: date('valid_from').notNull(),
  validUntil: date('valid_until').notNull(),
  status: text('status', { enum: recordedStatuses }).notNull().default('active'),
  plate: text('plate'),
  plateColour: text('plate_colour', { enum: plateColours }),
  vin: char('vin', { length: 17 }),
  // A driver's ID number is never stored: a keyed hash to find it again, a masked form to show.
  driverIdHash: text('driver_id_hash'),
  driverIdMasked: text('driver_id_masked'),
  version: integer('version').notNull().default(1),
  issuedByKeyId: uuid('issued_by_key_id'),
  importId: uuid('import_id'),
  importLine: integer('import_line'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
}, (t) => [
  primaryKey({ name: 'licences_pkey', columns: [t.jurisdictionCode, t.id] }),
  uniqueIndex('licences_number_unique').on(t.jurisdictionCode, t.type, t.number),
  index('licences_id_idx').on(t.id),
  index('licences_number_idx').on(t.number),
  // With the id: an order's judging reads the newest certificate of a plate or a driver straight off the index, without a sort.
  index('licences_plate_id_idx').on(t.plate, t.id).where(sql`${t.plate} is not null`),
  index('licences_driver_id_idx').on(t.driverIdHash, t.id).where(sql`${t.driverIdHash} is not null`),
  index('licences_enterprise_idx').on(t.enterpriseId, t.id),
  // Expiring soonest first, keyset-paged on (valid_until, id); also serves ranges on valid_until alone.
  index('licences_valid_until_id_idx').on(t.validUntil, t.id),
  index('licences_import_idx').on(t.importId, t.id).where(sql`${t.importId} is not null`),
  // Suspended and revoked licences are few: a list of them must not walk the whole register.
  index('licences_not_active_idx').on(t.jurisdictionCode, t.status, t.id).where(sql`${t.status} <> 'active'`),
  check('licences_type_known', oneOf('type', licenceTypes)),
  check('licences_status_known', oneOf('status', recordedStatuses)),
  check('licences_plate_colour_known', oneOf('plate_colour', plateColours, true)),
  check('licences_validity_order', sql`${t.validUntil} >= ${t.validFrom}`),
  check('licences_holder_fields', sql`case ${t.type}
    when 'vehicle_certificate' then ${t.plate} is not null and ${t.plateColour} is not null and ${t.vin} is not null and ${t.driverIdHash} is null
    when 'driver_certificate' then ${t.driverIdHash} is not null and ${t.driverIdMasked} is not null and ${t.plate} is null
    else ${t.enterpriseId} is not null and ${t.plate} is null and ${t.driverIdHash} is null end`)
])

// Every transition after issue, with who, when and why; the licence row holds only the result.
export const licenceTransitions = pgTable('licence_transitions', {
  jurisdictionCode: char('jurisdiction_code', { length: 6 }).notNull(),
  id: uuid('id').notNull(),
  licenceId: uuid('licence_id').notNull(),
  action: text('action', { enum: transitionActions }).notNull(),
  fromStatus: text('from_status', { enum: recordedStatuses }).notNull(),
  toStatus: text('to_status', { enum: recordedStatuses }).notNull(),
  validUntilBefore: date('valid_until_before').notNull(),
  validUntilAfter: date('valid_until_after').notNull(),
  reason: text('reason').notNull(),
  licenceVersion: integer('licence_version').notNull(),
  byKeyId: uuid('by_key_id'),
  byAgencyId: uuid('by_agency_id'),
  requestId: text('request_id'),
  changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
}, (t) => [
  primaryKey({ name: 'licence_transitions_pkey', columns: [t.jurisdictionCode, t.id] }),
  foreignKey({ name: 'licence_transitions_licence_fk', columns: [t.jurisdictionCode, t.licenceId], foreignColumns: [licences.jurisdictionCode, licences.id] }),
  index('licence_transitions_licence_idx').on(t.jurisdictionCode, t.licenceId, t.id),
  check('licence_transitions_action_known', oneOf('action', transitionActions))
])

export type LicenceRow = typeof licences.$inferSelect
export type LicenceInsert = typeof licences.$inferInsert
export type LicenceTransitionRow = typeof licenceTransitions.$inferSelect
