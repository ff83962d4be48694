import { sql } from 'drizzle-orm'
import { char, check, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { oneOf } from '../../db/checks.js'
import { enterprises } from '../enterprises/table.js'
import { jurisdictions } from '../jurisdictions/table.js'
import { plateColours } from '../licences/table.js'

export const rosterEntryTypes = ['vehicle', 'driver'] as const
export type RosterEntryType = typeof rosterEntryTypes[number]
export const rosterActions = ['added', 'updated', 'removed'] as const

// A platform's roster in a city: the vehicles and drivers it has in service there, as it submits
// them (the national interface's baseInfoVehicle / baseInfoDriver). An entry removed from the
// roster stays, with removed_at, so the roster as it was is still known; a vehicle or driver added
// again is a new entry. Whether an entry is licensed is never stored: it is derived from the
// licence register when read (service.ts), so a suspension shows at once.
/** Whose roster an entry is on, and where (fresh columns for each table). */
const entryOf = () => ({
  id: uuid('id').primaryKey(),
  enterpriseId: uuid('enterprise_id').notNull().references(() => enterprises.id),
  jurisdictionCode: char('jurisdiction_code', { length: 6 }).notNull().references(() => jurisdictions.code)
})

/** Its time in service and its life as a record. */
const inService = () => ({
  serviceFrom: date('service_from').notNull(),
  serviceUntil: date('service_until'),
  removedAt: timestamp('removed_at', { withTimezone: true, mode: 'date' }),
  version: integer('version').notNull().default(1),
  importId: uuid('import_id'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
})

export const rosterVehicles = pgTable('roster_vehicles', {
  ...entryOf(),
  plate: text('plate').notNull(),
  plateColour: text('plate_colour', { enum: plateColours }).notNull(),
  vin: char('vin', { length: 17 }).notNull(),
  certificateNumber: text('certificate_number').notNull(),
  ...inService()
}, (t) => [
  // One entry in service per plate, platform and city.
  uniqueIndex('roster_vehicles_current_unique').on(t.enterpriseId, t.jurisdictionCode, t.plate).where(sql`${t.removedAt} is null`),
  index('roster_vehicles_city_idx').on(t.jurisdictionCode, t.enterpriseId, t.id),
  index('roster_vehicles_enterprise_idx').on(t.enterpriseId, t.id),
  index('roster_vehicles_plate_idx').on(t.plate),
  check('roster_vehicles_plate_colour_known', oneOf('plate_colour', plateColours)),
  check('roster_vehicles_service_order', sql`${t.serviceUntil} is null or ${t.serviceUntil} >= ${t.serviceFrom}`)
])

export const rosterDrivers = pgTable('roster_drivers', {
  ...entryOf(),
  // The ID number is never stored: a keyed hash to match it, a masked form to show.
  driverIdHash: text('driver_id_hash').notNull(),
  driverIdMasked: text('driver_id_masked').notNull(),
  /** The driver certificate's number as the register stores it (a number that is the ID number, as its token). */
  certificateNumber: text('certificate_number').notNull(),
  ...inService()
}, (t) => [
  uniqueIndex('roster_drivers_current_unique').on(t.enterpriseId, t.jurisdictionCode, t.driverIdHash).where(sql`${t.removedAt} is null`),
  index('roster_drivers_city_idx').on(t.jurisdictionCode, t.enterpriseId, t.id),
  index('roster_drivers_enterprise_idx').on(t.enterpriseId, t.id),
  index('roster_drivers_id_idx').on(t.driverIdHash),
  check('roster_drivers_service_order', sql`${t.serviceUntil} is null or ${t.serviceUntil} >= ${t.serviceFrom}`)
])

// Every change to a roster entry, oldest first: what it became (no ID number, only its masked form).
export const rosterChanges = pgTable('roster_changes', {
  id: uuid('id').primaryKey(),
  entryType: text('entry_type', { enum: rosterEntryTypes }).notNull(),
  entryId: uuid('entry_id').notNull(),
  action: text('action', { enum: rosterActions }).notNull(),
  entry: jsonb('entry').notNull(),
  importId: uuid('import_id'),
  importLine: integer('import_line'),
  changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
}, (t) => [
  index('roster_changes_entry_idx').on(t.entryId, t.id),
  check('roster_changes_entry_type_known', oneOf('entry_type', rosterEntryTypes)),
  check('roster_changes_action_known', oneOf('action', rosterActions))
])

export type RosterVehicleRow = typeof rosterVehicles.$inferSelect
export type RosterDriverRow = typeof rosterDrivers.$inferSelect
export type RosterChangeRow = typeof rosterChanges.$inferSelect
