import { sql, type SQL } from 'drizzle-orm'
import type { Principal } from '../../auth/principal.js'
import { rowsOf, type Database } from '../../db/client.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { notFound } from '../../lib/problems.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { shownNumber } from '../licences/rules.js'
import { cityInQuery } from '../jurisdictions/cities.js'
import type { RosterDriverApi, RosterFilters, RosterVehicleApi, RosterVerdict } from './schemas.js'
import type { RosterEntryType } from './table.js'

// Reading rosters: every entry with its check against the licence register, derived in the query
// from the register as it is now (no stored verdict to go stale), so that a regulator can ask for
// a platform's unlicensed entries and page through them.

const nobody = '00000000-0000-0000-0000-000000000000'

/** Which entries the caller may see: a platform its own, a regulator those of the cities it regulates. */
function visibleEntries (who: Principal): SQL {
  switch (who.role) {
    case 'admin': return sql`true`
    case 'regulator': return sql`e.jurisdiction_code = any(${sql.param(who.jurisdictionCodes)}::text[])`
    case 'platform': return sql`e.enterprise_id = ${who.enterpriseId ?? nobody}::uuid`
    default: return sql`false`
  }
}

interface Spec { table: string, certificateType: string, sameHolder: string, what: string }
const specs: Record<RosterEntryType, Spec> = {
  vehicle: { table: 'roster_vehicles', certificateType: 'vehicle_certificate', sameHolder: 'c.plate = e.plate', what: 'transport certificate' },
  driver: { table: 'roster_drivers', certificateType: 'driver_certificate', sameHolder: 'c.driver_id_hash = e.driver_id_hash', what: 'driver certificate' }
}

/**
 * The entries with their verdict: the certificate the entry's number names among those issued in
 * its city (the city or a division under it), judged on today's date in the city's time zone.
 */
function checkedEntries (entry: RosterEntryType): SQL {
  const s = specs[entry]
  return sql`
    select e.*, e.service_from::text as service_day, e.service_until::text as service_until_day,
      c.id as licence_id, c.valid_until::text as licence_valid_until, c.valid_from::text as licence_valid_from, c.status as licence_status, c.plate as licence_plate,
      case
        when c.id is null then 'not_found'
        when not (${sql.raw(s.sameHolder)}) then 'mismatch'
        when c.status = 'revoked' then 'revoked'
        when c.status = 'suspended' then 'suspended'
        when c.valid_until < (now() at time zone city.time_zone)::date then 'expired'
        when c.valid_from > (now() at time zone city.time_zone)::date then 'not_yet_valid'
        else 'licensed'
      end as verdict
    from ${sql.raw(s.table)} e
    join jurisdictions city on city.code = e.jurisdiction_code
    left join lateral (
      select l.id, l.status, l.valid_from, l.valid_until, l.plate, l.driver_id_hash
      from licences l
      where l.type = ${s.certificateType} and l.number = e.certificate_number
        and l.jurisdiction_code in (select city_divisions(e.jurisdiction_code))
      order by l.id desc
      limit 1
    ) c on true`
}

type EntryRow = Record<string, unknown> & {
  id: string,
  enterprise_id: string,
  jurisdiction_code: string,
  certificate_number: string,
  service_day: string,
  service_until_day: string | null,
  removed_at: string | Date | null,
  version: number,
  import_id: string | null,
  created_at: string | Date,
  updated_at: string | Date,
  licence_id: string | null,
  licence_valid_until: string | null,
  licence_valid_from: string | null,
  licence_status: string | null,
  verdict: RosterVerdict
}

const iso = (value: string | Date) => new Date(value).toISOString()

function verdictMessage (entry: RosterEntryType, row: EntryRow, number: string): string {
  const what = `${specs[entry].what} ${number}`
  switch (row.verdict) {
    case 'licensed': return `${what} is in force`
    case 'not_found': return `no ${specs[entry].what} numbered ${number} was issued in ${row.jurisdiction_code}`
    case 'mismatch': return entry === 'vehicle' ? `${what} is held by plate ${String(row.licence_plate)}, not ${String(row.plate)}` : `${what} is held by another driver than this entry’s`
    case 'expired': return `${what} expired on ${row.licence_valid_until}`
    case 'not_yet_valid': return `${what} is valid only from ${row.licence_valid_from}`
    default: return `${what} is ${row.verdict}`
  }
}

function common (entry: RosterEntryType, row: EntryRow, number: string) {
  return {
    id: row.id,
    enterpriseId: row.enterprise_id,
    jurisdictionCode: row.jurisdiction_code,
    serviceFrom: row.service_day,
    serviceUntil: row.service_until_day,
    inService: row.removed_at === null,
    removedAt: row.removed_at === null ? null : iso(row.removed_at),
    version: row.version,
    importId: row.import_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    check: { verdict: row.verdict, licenceId: row.licence_id, validUntil: row.licence_valid_until, message: verdictMessage(entry, row, number) }
  }
}

export function vehicleToApi (row: EntryRow): RosterVehicleApi {
  return { ...common('vehicle', row, row.certificate_number), plate: row.plate as string, plateColour: row.plate_colour as RosterVehicleApi['plateColour'], vin: row.vin as string, certificateNumber: row.certificate_number }
}

export function driverToApi (row: EntryRow): RosterDriverApi {
  const number = shownNumber({ number: row.certificate_number, driverIdHash: row.driver_id_hash as string, driverIdMasked: row.driver_id_masked as string })
  return { ...common('driver', row, number), driverIdMasked: row.driver_id_masked as string, certificateNumber: number }
}

const toApi = { vehicle: vehicleToApi, driver: driverToApi }

export async function listRoster<E extends RosterEntryType> (db: Database, entry: E, who: Principal, registry: JurisdictionRegistry, cursors: Cursors, limit: number, cursor: string | undefined, filters: RosterFilters) {
  const list = `roster-${entry}s`
  const [after] = cursors.decode(list, filters, cursor) ?? []
  const conditions: SQL[] = [visibleEntries(who), filters.inService === false ? sql`e.removed_at is not null` : sql`e.removed_at is null`]
  if (after) conditions.push(sql`e.id > ${after}::uuid`)
  if (filters.enterprise) conditions.push(sql`e.enterprise_id = ${filters.enterprise}::uuid`)
  if (filters.jurisdiction) {
    const city = cityInQuery(registry, filters.jurisdiction)
    conditions.push(sql`e.jurisdiction_code = ${city.code}`)
  }
  const verdict = filters.verdict === undefined ? sql`true` : filters.verdict === 'unlicensed' ? sql`x.verdict <> 'licensed'` : sql`x.verdict = ${filters.verdict}`
  const rows = rowsOf<EntryRow>(await db.execute(sql`
    select * from (${checkedEntries(entry)} where ${sql.join(conditions, sql` and `)}) x
    where ${verdict}
    order by x.id
    limit ${limit + 1}`))
  return page(rows, limit, (r) => toApi[entry](r) as E extends 'vehicle' ? RosterVehicleApi : RosterDriverApi, (last) => cursors.encode(list, filters, [last.id]))
}

export async function findRosterEntry<E extends RosterEntryType> (db: Database, entry: E, id: string, who: Principal) {
  const [row] = rowsOf<EntryRow>(await db.execute(sql`${checkedEntries(entry)} where e.id = ${id}::uuid and ${visibleEntries(who)}`))
  if (!row) throw notFound(`roster ${entry}`, id)
  return toApi[entry](row) as E extends 'vehicle' ? RosterVehicleApi : RosterDriverApi
}

export async function listRosterChanges (db: Database, entry: RosterEntryType, id: string, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined) {
  await findRosterEntry(db, entry, id, who)
  const list = `roster-${entry}-changes`
  const [after] = cursors.decode(list, { id }, cursor) ?? []
  const rows = rowsOf<{ id: string, action: 'added' | 'updated' | 'removed', entry: Record<string, string | null>, import_id: string | null, import_line: number | null, changed_at: string | Date }>(await db.execute(sql`
    select id, action, entry, import_id, import_line, changed_at from roster_changes
    where entry_id = ${id}::uuid ${after ? sql`and id > ${after}::uuid` : sql``}
    order by id limit ${limit + 1}`))
  return page(rows, limit, (r) => ({ id: r.id, action: r.action, entry: r.entry, importId: r.import_id, importLine: r.import_line, changedAt: iso(r.changed_at) }), (last) => cursors.encode(list, { id }, [last.id]))
}
