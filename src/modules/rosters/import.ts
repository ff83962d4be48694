import { sql } from 'drizzle-orm'
import { rowsOf, type Database } from '../../db/client.js'
import { uuidv7 } from '../../lib/uuid.js'
import type { ImportDefinition } from '../imports/engine.js'
import { platformLines, platformsOnly } from '../imports/platform-data.js'
import type { LineError } from '../imports/resource.js'
import { shownNumber } from '../licences/rules.js'
import { checkRosterLine, type CheckedRosterLine } from './rules.js'
import { RosterLineSchema, type RosterLine } from './schemas.js'

// A platform's roster import: each line adds, changes or takes off one vehicle or driver. A batch
// is written set-wise, a few statements whatever its size; lines naming the same entry are
// applied in their order, by splitting the batch where an entry comes again.

type Row = CheckedRosterLine & { line: number }

/** What differs between the two rosters: the table, its key column, and its columns of values. */
interface RosterTable {
  table: string
  key: string
  pointer: string
  columns: Array<{ name: string, field: string, type: string }>
  /** The entry's fields as its history shows them (never an ID number). */
  shown: (row: Record<string, unknown>) => Record<string, string | null>
}

const vehicles: RosterTable = {
  table: 'roster_vehicles',
  key: 'plate',
  pointer: '/plate',
  columns: [
    { name: 'plate_colour', field: 'plateColour', type: 'text' },
    { name: 'vin', field: 'vin', type: 'char(17)' },
    { name: 'certificate_number', field: 'certificateNumber', type: 'text' },
    { name: 'service_from', field: 'serviceFrom', type: 'date' }
  ],
  shown: (r) => ({ plate: r.plate as string, plateColour: r.plate_colour as string, vin: r.vin as string, certificateNumber: r.certificate_number as string, serviceFrom: r.service_from as string, serviceUntil: r.service_until as string | null })
}

const drivers: RosterTable = {
  table: 'roster_drivers',
  key: 'driver_id_hash',
  pointer: '/idNumber',
  columns: [
    { name: 'driver_id_masked', field: 'driverIdMasked', type: 'text' },
    { name: 'certificate_number', field: 'certificateNumber', type: 'text' },
    { name: 'service_from', field: 'serviceFrom', type: 'date' }
  ],
  shown: (r) => ({
    driverIdMasked: r.driver_id_masked as string,
    certificateNumber: shownNumber({ number: r.certificate_number as string, driverIdHash: r.driver_id_hash as string, driverIdMasked: r.driver_id_masked as string }),
    serviceFrom: r.service_from as string,
    serviceUntil: r.service_until as string | null
  })
}

/** What a write returns of an entry, its dates as text (a driver's date parser would make them local instants). */
const returned = (spec: RosterTable, alias: string) => sql.raw([
  `${alias}id`, `${alias}${spec.key}`,
  ...spec.columns.filter((c) => c.type !== 'date').map((c) => `${alias}${c.name}`),
  `${alias}service_from::text as service_from`, `${alias}service_until::text as service_until`
].join(', '))

const tableOf = (entry: Row['entry']) => entry === 'vehicle' ? vehicles : drivers
const identity = (r: Row) => `${r.entry}:${r.jurisdictionCode}:${r.key}`

/** Consecutive runs of rows in which no entry comes twice, in line order. */
export function runsOf<T extends Row> (rows: T[]): T[][] {
  const runs: T[][] = []
  let run: T[] = []
  let seen = new Set<string>()
  for (const row of rows) {
    if (seen.has(identity(row))) {
      runs.push(run)
      run = []
      seen = new Set()
    }
    seen.add(identity(row))
    run.push(row)
  }
  if (run.length) runs.push(run)
  return runs
}

const valueOf = (r: Row, field: string) => ((r.values as Record<string, string | null> | null)?.[field] ?? '') || null
const param = (values: unknown[]) => sql.param(values)

/** Adds, changes and takes off the rows of one run in one table; returns what each line did, and the lines that could not. */
async function applyRun (tx: Database, spec: RosterTable, enterpriseId: string, importId: string | null, rows: Row[]) {
  const changes: Array<{ line: number, entryId: string, action: 'added' | 'updated' | 'removed', row: Record<string, unknown> }> = []
  const errors: LineError[] = []
  const refuse = (r: Row, code: 'roster_entry_exists' | 'roster_entry_not_in_service', message: string) =>
    errors.push({ line: r.line, code, errors: [{ in: 'body', pointer: spec.pointer, code, message }] })
  const what = (r: Row) => r.entry === 'vehicle' ? `vehicle ${r.key}` : `driver ${(r.values as { driverIdMasked?: string } | null)?.driverIdMasked ?? 'with this ID number'}`
  const columns = spec.columns.map((c) => c.name).join(', ')
  const cast = (field: string, type: string, of: Row[]) => sql`${param(of.map((r) => valueOf(r, field)))}::${sql.raw(type)}[]`

  const adds = rows.filter((r) => r.flag === 'add')
  if (adds.length) {
    const ids = adds.map(() => uuidv7())
    const inserted = rowsOf<Record<string, unknown> & { id: string }>(await tx.execute(sql`
      insert into ${sql.raw(spec.table)} (id, enterprise_id, jurisdiction_code, ${sql.raw(spec.key)}, ${sql.raw(columns)}, service_until, import_id)
      select u.id, ${enterpriseId}::uuid, u.city, u.key, ${sql.raw(spec.columns.map((c) => `u.${c.name}`).join(', '))}, u.service_until, ${importId}::uuid
      from unnest(${param(ids)}::uuid[], ${param(adds.map((r) => r.jurisdictionCode))}::char(6)[], ${param(adds.map((r) => r.key))}::text[],
        ${sql.join(spec.columns.map((c) => cast(c.field, c.type, adds)), sql`, `)}, ${param(adds.map((r) => r.serviceUntil))}::date[])
        as u(id, city, key, ${sql.raw(columns)}, service_until)
      on conflict (enterprise_id, jurisdiction_code, ${sql.raw(spec.key)}) where removed_at is null do nothing
      returning ${returned(spec, '')}`))
    const landed = new Map(inserted.map((r) => [r.id, r]))
    adds.forEach((r, i) => {
      const row = landed.get(ids[i]!)
      if (row) changes.push({ line: r.line, entryId: row.id, action: 'added', row })
      else refuse(r, 'roster_entry_exists', `${what(r)} is already on your roster in ${r.jurisdictionCode}: send it with flag update to change it`)
    })
  }

  for (const flag of ['update', 'delete'] as const) {
    const of = rows.filter((r) => r.flag === flag)
    if (!of.length) continue
    const set = flag === 'update'
      ? sql.raw([...spec.columns.map((c) => `${c.name} = coalesce(u.${c.name}, e.${c.name})`), 'service_until = coalesce(u.service_until, e.service_until)'].join(', '))
      : sql.raw('removed_at = now(), service_until = greatest(e.service_from, u.service_until)')
    const changed = rowsOf<Record<string, unknown> & { id: string, line: number }>(await tx.execute(sql`
      update ${sql.raw(spec.table)} e set ${set}, version = e.version + 1, import_id = ${importId}::uuid, updated_at = now()
      from unnest(${param(of.map((r) => r.line))}::int[], ${param(of.map((r) => r.jurisdictionCode))}::char(6)[], ${param(of.map((r) => r.key))}::text[],
        ${sql.join(spec.columns.map((c) => cast(c.field, c.type, of)), sql`, `)}, ${param(of.map((r) => r.serviceUntil))}::date[])
        as u(line, city, key, ${sql.raw(columns)}, service_until)
      where e.enterprise_id = ${enterpriseId}::uuid and e.jurisdiction_code = u.city and e.${sql.raw(spec.key)} = u.key and e.removed_at is null
      returning ${returned(spec, 'e.')}, u.line`))
    const byLine = new Map(changed.map((r) => [r.line, r]))
    for (const r of of) {
      const row = byLine.get(r.line)
      if (row) changes.push({ line: r.line, entryId: row.id, action: flag === 'update' ? 'updated' : 'removed', row })
      else refuse(r, 'roster_entry_not_in_service', `${what(r)} is not on your roster in ${r.jurisdictionCode}${flag === 'update' ? ': add it first' : ''}`)
    }
  }

  if (changes.length) {
    changes.sort((a, b) => a.line - b.line)
    await tx.execute(sql`
      insert into roster_changes (id, entry_type, entry_id, action, entry, import_id, import_line)
      select u.id, ${rows[0]!.entry}, u.entry_id, u.action, u.entry, ${importId}::uuid, u.line
      from unnest(${param(changes.map(() => uuidv7()))}::uuid[], ${param(changes.map((c) => c.entryId))}::uuid[], ${param(changes.map((c) => c.action))}::text[],
        ${param(changes.map((c) => JSON.stringify(spec.shown(c.row))))}::jsonb[], ${param(changes.map((c) => c.line))}::int[]) as u(id, entry_id, action, entry, line)`)
  }
  return { applied: changes.length, errors }
}

/** The roster import of a platform: vehicles and drivers in the cities it operates in. */
export const rosterImport: ImportDefinition<RosterLine, CheckedRosterLine> = {
  kind: 'roster',
  entityType: 'roster_import',
  batchAction: 'roster_import.batch_committed',
  lineSchema: RosterLineSchema,
  lineNoun: 'one vehicle or driver',
  authorize: platformsOnly('roster', 'ride_hailing'),
  batches (ctx) {
    return {
      check: platformLines(ctx, (input: RosterLine, rules) => {
        const checked = checkRosterLine(input, rules)
        return checked.failure ? checked : { row: checked.line }
      }),
      async write (tx, rows, importId) {
        let applied = 0
        const errors: LineError[] = []
        for (const run of runsOf(rows)) {
          for (const entry of ['vehicle', 'driver'] as const) {
            const of = run.filter((r) => r.entry === entry)
            if (!of.length) continue
            const done = await applyRun(tx, tableOf(entry), ctx.principal.enterpriseId!, importId, of)
            applied += done.applied
            errors.push(...done.errors)
          }
        }
        return { applied, errors }
      },
      jurisdictionsOf: (rows) => [...new Set(rows.map((r) => r.jurisdictionCode))]
    }
  }
}
