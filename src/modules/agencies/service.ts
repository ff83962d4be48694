import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import { uniqueViolation } from '../../db/errors.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { stale } from '../../lib/preconditions.js'
import { notFound, ProblemError } from '../../lib/problems.js'
import { uuidv7 } from '../../lib/uuid.js'
import { resolveJurisdictions, subtreeOf } from '../jurisdictions/plugin.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { recordState, type Audit } from '../audit/trail.js'
import { visibleAgencies, type Principal } from '../../auth/principal.js'
import type { AgencyApi, AgencyFilters, CreateAgency, UpdateAgency } from './schemas.js'
import { agencies, type AgencyRow } from './table.js'

export function agencyToApi (row: AgencyRow, warnings: AgencyApi['warnings'] = []): AgencyApi {
  return {
    id: row.id,
    nameZh: row.nameZh,
    nameEn: row.nameEn,
    kind: row.kind,
    jurisdictionCode: row.jurisdictionCode,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    warnings
  }
}

export function agencyPath (id: string): string {
  return `/v1/agencies/${id}`
}

function nameTaken (nameZh: string, jurisdictionCode: string): ProblemError {
  return new ProblemError('agency_name_taken', `An agency named ${nameZh} already exists in ${jurisdictionCode}`, {
    errors: [{ in: 'body', pointer: '/nameZh', code: 'agency_name_taken', message: 'already used in this jurisdiction' }]
  })
}

async function guardNameUnique<T> (nameZh: string, jurisdictionCode: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (err) {
    if (uniqueViolation(err) === 'agencies_name_per_jurisdiction') throw nameTaken(nameZh, jurisdictionCode)
    throw err
  }
}

export async function createAgency (tx: Database, input: CreateAgency, registry: JurisdictionRegistry, audit: Audit): Promise<AgencyApi> {
  const place = resolveJurisdictions(registry, [input.jurisdictionCode], '/jurisdictionCode')
  const jurisdictionCode = place.codes[0]!
  const [row] = await guardNameUnique(input.nameZh, jurisdictionCode, () => tx.insert(agencies).values({
    id: uuidv7(), nameZh: input.nameZh, nameEn: input.nameEn ?? null, kind: input.kind, jurisdictionCode
  }).returning())
  const created = agencyToApi(row!, place.warnings)
  audit({ action: 'agency.created', entityType: 'agency', entityId: created.id, jurisdictionCodes: [jurisdictionCode], before: null, after: recordState(created) })
  return created
}

export async function findAgency (db: Database, id: string, who: Principal): Promise<AgencyRow> {
  const [row] = await db.select().from(agencies).where(and(eq(agencies.id, id), visibleAgencies(who)))
  if (!row) throw notFound('agency', id)
  return row
}

export async function updateAgency (tx: Database, id: string, expected: number | '*', patch: UpdateAgency, registry: JurisdictionRegistry, who: Principal, audit: Audit): Promise<AgencyApi> {
  const place = patch.jurisdictionCode ? resolveJurisdictions(registry, [patch.jurisdictionCode], '/jurisdictionCode') : undefined
  const [current] = await tx.select().from(agencies).where(and(eq(agencies.id, id), visibleAgencies(who))).for('update')
  if (!current) throw notFound('agency', id)
  if (expected !== '*' && current.version !== expected) throw stale(current.version)
  const jurisdictionCode = place?.codes[0] ?? current.jurisdictionCode
  const [row] = await guardNameUnique(patch.nameZh ?? current.nameZh, jurisdictionCode, () => tx.update(agencies).set({
    ...(patch.nameZh !== undefined ? { nameZh: patch.nameZh } : {}),
    ...(patch.nameEn !== undefined ? { nameEn: patch.nameEn } : {}),
    ...(patch.kind !== undefined ? { kind: patch.kind } : {}),
    jurisdictionCode,
    version: sql`${agencies.version} + 1`,
    updatedAt: sql`now()`
  }).where(eq(agencies.id, id)).returning())
  const updated = agencyToApi(row!, place?.warnings)
  audit({ action: 'agency.updated', entityType: 'agency', entityId: id, jurisdictionCodes: [...new Set([current.jurisdictionCode, row!.jurisdictionCode])], before: recordState(agencyToApi(current)), after: recordState(updated) })
  return updated
}

export async function listAgencies (db: Database, who: Principal, registry: JurisdictionRegistry, cursors: Cursors, limit: number, cursor: string | undefined, filters: AgencyFilters) {
  const [after] = cursors.decode('agencies', filters, cursor) ?? []
  const conditions: Array<SQL | undefined> = [visibleAgencies(who), after ? gt(agencies.id, after) : undefined]
  if (filters.kind) conditions.push(eq(agencies.kind, filters.kind))
  if (filters.jurisdiction) conditions.push(inArray(agencies.jurisdictionCode, subtreeOf(registry, filters.jurisdiction, 'query', '/jurisdiction')))
  const rows = await db.select().from(agencies).where(and(...conditions)).orderBy(asc(agencies.id)).limit(limit + 1)
  return page(rows, limit, (r) => agencyToApi(r), (last) => cursors.encode('agencies', filters, [last.id]))
}
