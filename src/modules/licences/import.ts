import { sql } from 'drizzle-orm'
import { rowsOf, type Database } from '../../db/client.js'
import { checkEach, type ImportDefinition } from '../imports/engine.js'
import type { LineError } from '../imports/resource.js'
import { assertRegisterKeeper, checkLicence, shownNumber, type KnownAgency, type KnownEnterprise } from './rules.js'
import { IssueLicenceBody, type IssueLicence } from './schemas.js'
import { insertLicences, knownHolders, licencePath } from './service.js'
import type { LicenceInsert } from './table.js'

type LicenceLine = Omit<LicenceInsert, 'id'>

/** The licence register's bulk import: each line the body of issueLicence, checked by the same rules. */
export const licenceImport: ImportDefinition<IssueLicence, LicenceLine> = {
  kind: 'licences',
  entityType: 'licence_import',
  batchAction: 'licence_import.batch_committed',
  lineSchema: IssueLicenceBody,
  lineNoun: 'one licence',
  authorize: assertRegisterKeeper,
  batches (ctx) {
    // The agencies and enterprises lines name, learnt once per import.
    const agencies = new Map<string, KnownAgency>()
    const enterprises = new Map<string, KnownEnterprise>()
    return {
      async check (lines) {
        const agencyIds = [...new Set(lines.map((p) => p.input.issuingAgencyId))].filter((id) => !agencies.has(id))
        const enterpriseIds = [...new Set(lines.flatMap((p) => p.input.enterpriseId ? [p.input.enterpriseId] : []))].filter((id) => !enterprises.has(id))
        // Those this batch names that are not known yet: two queries at most.
        if (agencyIds.length || enterpriseIds.length) {
          const known = await knownHolders(ctx.db, ctx.principal, agencyIds, enterpriseIds)
          for (const [id, a] of known.agencies) agencies.set(id, a)
          for (const [id, e] of known.enterprises) enterprises.set(id, e)
        }
        const rules = {
          registry: ctx.registry,
          principal: ctx.principal,
          agency: (id: string) => agencies.get(id),
          enterprise: (id: string) => enterprises.get(id),
          hashId: ctx.hashPersonal,
          now: new Date()
        }
        return checkEach(lines, (input) => {
          const checked = checkLicence(input, rules)
          return checked.failure ? checked : { row: checked.values }
        })
      },
      async write (tx, rows, importId) {
        const inserted = await insertLicences(tx, rows, { keyId: ctx.principal.keyId, importId })
        return { applied: inserted.length, errors: inserted.length < rows.length ? await numbersTaken(tx, rows, new Set(inserted.map((r) => r.line)), importId) : [] }
      },
      jurisdictionsOf: (rows) => [...new Set(rows.map((r) => r.jurisdictionCode))]
    }
  }
}

/** Lines whose number was already in the register (earlier in this import, or before it), each with where. */
async function numbersTaken (tx: Database, rows: Array<LicenceLine & { line: number }>, landed: Set<number>, importId: string | null): Promise<LineError[]> {
  const refused = rows.filter((r) => !landed.has(r.line))
  const byLine = new Map(refused.map((r) => [r.line, r]))
  const holders = rowsOf<{ line: number, id: string, import_id: string | null, import_line: number | null }>(await tx.execute(sql`
    select k.line, l.id, l.import_id, l.import_line
    from unnest(${sql.param(refused.map((r) => r.jurisdictionCode))}::char(6)[], ${sql.param(refused.map((r) => r.type))}::text[],
      ${sql.param(refused.map((r) => r.number))}::text[], ${sql.param(refused.map((r) => r.line))}::int[]) as k(code, type, number, line)
    join licences l on l.jurisdiction_code = k.code and l.type = k.type and l.number = k.number`))
  return holders.map((holder) => {
    const row = byLine.get(holder.line)!
    const where = holder.import_id === importId ? `already on line ${holder.import_line} of this import` : `already in the register as ${licencePath(holder.id)}`
    const message = `a ${row.type} numbered ${shownNumber(row)} in ${row.jurisdictionCode} is ${where}`
    return { line: holder.line, code: 'licence_number_taken', errors: [{ in: 'body' as const, pointer: '/number', code: 'licence_number_taken', message }] }
  })
}
