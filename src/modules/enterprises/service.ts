import { and, arrayContains, arrayOverlaps, asc, eq, gt, ilike, or, sql, type SQL } from 'drizzle-orm'
import { preparedOnce, preparedShape, type Database } from '../../db/client.js'
import { uniqueViolation } from '../../db/errors.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { stale } from '../../lib/preconditions.js'
import { invalidField, notFound, ProblemError } from '../../lib/problems.js'
import { uuidv7 } from '../../lib/uuid.js'
import { resolveJurisdictions, subtreeOf } from '../jurisdictions/plugin.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { recordState, type Audit } from '../audit/trail.js'
import { canSeeEnterprise, changesOutsideJurisdiction, governsAll, visibleEnterprises, withinJurisdiction, type Principal } from '../../auth/principal.js'
import type { CreateEnterprise, EnterpriseApi, EnterpriseFilters, StatusChangeApi, UpdateEnterprise } from './schemas.js'
import { allowedNextStatuses, canChangeStatus, type EnterpriseStatus } from './status.js'
import { enterprises, enterpriseStatusChanges, type EnterpriseRow, type EnterpriseStatusChangeRow } from './table.js'
import { checkUscc, organisationCodeCheck } from './uscc.js'

export interface WriteContext {
  jurisdictions: JurisdictionRegistry
  requestId: string
  principal: Principal
  audit: Audit
}

function outsideJurisdiction (code: string, pointer: string): ProblemError {
  const message = `${code} is outside your jurisdiction`
  return new ProblemError('outside_jurisdiction', message, { errors: [{ in: 'body', pointer, code: 'outside_jurisdiction', message }] })
}

/** A regulator may only place an enterprise in divisions it regulates. */
function assertWithinJurisdiction (who: Principal, codes: string[], pointer: string) {
  const outside = withinJurisdiction(who, codes)
  if (outside) throw outsideJurisdiction(outside, `${pointer}/${codes.indexOf(outside)}`)
}

type Warnings = EnterpriseApi['warnings']

// Stored codes passed the full check when written; only the embedded organisation code can warn.
function usccWarnings (uscc: string): Warnings {
  const expected = organisationCodeCheck(uscc.slice(8, 16))
  const mismatch = expected !== undefined && expected !== uscc[16] ? { expected, actual: uscc[16] } : undefined
  return mismatch
    ? [{ code: 'uscc_organisation_code_mismatch', pointer: '/uscc', message: `the embedded organisation code's check character is ${mismatch.actual} but its digits give ${mismatch.expected}; real codes pass this check, so verify the code with the registration authority` }]
    : []
}

export function enterpriseToApi (row: EnterpriseRow, extraWarnings: Warnings = []): EnterpriseApi {
  return {
    id: row.id,
    uscc: row.uscc,
    nameZh: row.nameZh,
    nameEn: row.nameEn,
    ipcCompanyId: row.ipcCompanyId,
    sectors: row.sectors as EnterpriseApi['sectors'],
    jurisdictionCodes: row.jurisdictionCodes,
    status: row.status,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    warnings: [...usccWarnings(row.uscc), ...extraWarnings]
  }
}

function statusChangeToApi (row: EnterpriseStatusChangeRow): StatusChangeApi {
  return {
    id: row.id,
    enterpriseId: row.enterpriseId,
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    reason: row.reason,
    changedAt: row.changedAt.toISOString(),
    requestId: row.requestId,
    enterpriseVersion: row.enterpriseVersion
  }
}

export function enterprisePath (id: string): string {
  return `/v1/enterprises/${id}`
}

/** Another enterprise holds this Ministry CompanyId. */
function companyIdTaken (companyId: string): ProblemError {
  return new ProblemError('company_id_taken', `Another enterprise is known to the national data interface as ${companyId}`, {
    errors: [{ in: 'body', pointer: '/ipcCompanyId', code: 'company_id_taken', message: 'another enterprise holds this CompanyId' }]
  })
}

/** A Ministry CompanyId names one enterprise. */
async function assertCompanyIdFree (tx: Database, companyId: string) {
  const [holder] = await tx.select({ id: enterprises.id }).from(enterprises).where(eq(enterprises.ipcCompanyId, companyId))
  if (holder) throw companyIdTaken(companyId)
}

/** The USCC is taken; the existing enterprise is named only to a caller who may read it. */
function alreadyRegistered (uscc: string, existingId?: string): ProblemError {
  return new ProblemError('uscc_already_registered', `An enterprise with USCC ${uscc} is already registered`, {
    ...(existingId ? { existing: enterprisePath(existingId) } : {}),
    errors: [{ in: 'body', pointer: '/uscc', code: 'uscc_already_registered', message: 'already registered' }]
  })
}

/** The USCC in canonical form, or the reason it is refused. */
export function validUscc (input: string): string {
  const result = checkUscc(input)
  if (result.failure) throw invalidField('invalid_uscc', '/uscc', result.failure.code, `USCC ${result.failure.message}`)
  return result.uscc
}

export async function registerEnterprise (tx: Database, input: CreateEnterprise, ctx: WriteContext): Promise<EnterpriseApi> {
  const uscc = validUscc(input.uscc)
  const places = resolveJurisdictions(ctx.jurisdictions, input.jurisdictionCodes, '/jurisdictionCodes')
  assertWithinJurisdiction(ctx.principal, places.codes, '/jurisdictionCodes')
  const [existing] = await tx.select({ id: enterprises.id, jurisdictionCodes: enterprises.jurisdictionCodes }).from(enterprises).where(eq(enterprises.uscc, uscc))
  if (existing) throw alreadyRegistered(uscc, canSeeEnterprise(ctx.principal, existing) ? existing.id : undefined)
  if (input.ipcCompanyId) await assertCompanyIdFree(tx, input.ipcCompanyId)
  const id = uuidv7()
  let row: EnterpriseRow | undefined
  try {
    [row] = await tx.insert(enterprises).values({
      id,
      uscc,
      nameZh: input.nameZh,
      nameEn: input.nameEn ?? null,
      ipcCompanyId: input.ipcCompanyId ?? null,
      sectors: input.sectors,
      jurisdictionCodes: places.codes
    }).returning()
  } catch (err) {
    const violated = uniqueViolation(err)
    if (violated) throw input.ipcCompanyId && violated === 'enterprises_ipc_company_unique' ? companyIdTaken(input.ipcCompanyId) : alreadyRegistered(uscc)
    throw err
  }
  await tx.insert(enterpriseStatusChanges).values({ id: uuidv7(), enterpriseId: id, fromStatus: null, toStatus: 'active', reason: 'registered', enterpriseVersion: 1, requestId: ctx.requestId })
  const registered = enterpriseToApi(row!, places.warnings)
  ctx.audit({ action: 'enterprise.registered', entityType: 'enterprise', entityId: id, enterpriseId: id, jurisdictionCodes: places.codes, before: null, after: recordState(registered) })
  return registered
}

const byId = (db: Database, name: string) => db.select().from(enterprises).where(eq(enterprises.id, sql.placeholder('id'))).prepare(name)

/** The enterprise if the caller may see it; another tenant's answers 404 exactly like a missing one. */
export async function findEnterprise (db: Database, id: string, who: Principal): Promise<EnterpriseRow> {
  const [row] = await preparedOnce(db, 'enterprise_by_id', byId).execute({ id })
  if (!row || !canSeeEnterprise(who, row)) throw notFound('enterprise', id)
  return row
}

/** For a change: the row locked until commit, so concurrent changes queue instead of racing. */
async function lockEnterprise (tx: Database, id: string, who: Principal): Promise<EnterpriseRow> {
  const [row] = await tx.select().from(enterprises).where(eq(enterprises.id, id)).for('update')
  if (!row || !canSeeEnterprise(who, row)) throw notFound('enterprise', id)
  return row
}

/** The locked row is still at the version the client read, or 412. */
function assertVersion (current: EnterpriseRow, expected: number | '*') {
  if (expected !== '*' && current.version !== expected) throw stale(current.version)
}

/** Applies a change to a locked row, if it is still at the version the client read. */
async function updateAtVersion (tx: Database, current: EnterpriseRow, expected: number | '*', values: Partial<typeof enterprises.$inferInsert>): Promise<EnterpriseRow> {
  assertVersion(current, expected)
  const [row] = await tx.update(enterprises)
    .set({ ...values, version: sql`${enterprises.version} + 1`, updatedAt: sql`now()` })
    .where(eq(enterprises.id, current.id))
    .returning()
  return row!
}

export async function updateEnterprise (tx: Database, id: string, expected: number | '*', patch: UpdateEnterprise, ctx: WriteContext): Promise<EnterpriseApi> {
  const places = patch.jurisdictionCodes ? resolveJurisdictions(ctx.jurisdictions, patch.jurisdictionCodes, '/jurisdictionCodes') : undefined
  const current = await lockEnterprise(tx, id, ctx.principal)
  if (patch.ipcCompanyId && patch.ipcCompanyId !== current.ipcCompanyId) await assertCompanyIdFree(tx, patch.ipcCompanyId)
  if (places) {
    const changed = changesOutsideJurisdiction(ctx.principal, current.jurisdictionCodes, places.codes)
    if (changed) {
      const message = `${changed} is outside your jurisdiction: keep the divisions other regulators supervise as they are`
      throw new ProblemError('outside_jurisdiction', message, { errors: [{ in: 'body', pointer: '/jurisdictionCodes', code: 'outside_jurisdiction', message }] })
    }
  }
  const row = await updateAtVersion(tx, current, expected, {
    ...(patch.nameZh !== undefined ? { nameZh: patch.nameZh } : {}),
    ...(patch.nameEn !== undefined ? { nameEn: patch.nameEn } : {}),
    ...(patch.ipcCompanyId !== undefined ? { ipcCompanyId: patch.ipcCompanyId } : {}),
    ...(patch.sectors !== undefined ? { sectors: patch.sectors } : {}),
    ...(places ? { jurisdictionCodes: places.codes } : {})
  })
  const updated = enterpriseToApi(row, places?.warnings)
  ctx.audit({
    action: 'enterprise.updated',
    entityType: 'enterprise',
    entityId: id,
    enterpriseId: id,
    jurisdictionCodes: [...new Set([...current.jurisdictionCodes, ...row.jurisdictionCodes])],
    before: recordState(enterpriseToApi(current)),
    after: recordState(updated)
  })
  return updated
}

export async function changeEnterpriseStatus (
  tx: Database, id: string, expected: number | '*', change: { status: EnterpriseStatus, reason: string }, ctx: WriteContext
): Promise<StatusChangeApi> {
  const current = await lockEnterprise(tx, id, ctx.principal)
  if (!governsAll(ctx.principal, current.jurisdictionCodes)) {
    throw new ProblemError('outside_jurisdiction', `The enterprise also operates outside your jurisdiction (${current.jurisdictionCodes.join(', ')}); its status is changed by a regulator of all of them`)
  }
  // A stale ETag before the move's own problem, as licences answer: what the client was told of
  // the status may be what changed, so it must re-read before anything else it is told can be trusted.
  assertVersion(current, expected)
  if (!canChangeStatus(current.status, change.status)) {
    const next = allowedNextStatuses(current.status)
    throw new ProblemError('invalid_status_transition',
      `The enterprise is ${current.status}; it can become ${next.length ? next.join(' or ') : 'nothing else (exit is final)'}`,
      { currentStatus: current.status, errors: [{ in: 'body', pointer: '/status', code: 'invalid_status_transition', message: `cannot change from ${current.status} to ${change.status}` }] })
  }
  const row = await updateAtVersion(tx, current, expected, { status: change.status })
  const [history] = await tx.insert(enterpriseStatusChanges).values({
    id: uuidv7(), enterpriseId: id, fromStatus: current.status, toStatus: change.status, reason: change.reason, enterpriseVersion: row.version, requestId: ctx.requestId
  }).returning()
  ctx.audit({
    action: 'enterprise.status_changed',
    entityType: 'enterprise',
    entityId: id,
    enterpriseId: id,
    jurisdictionCodes: row.jurisdictionCodes,
    before: { status: current.status, version: current.version },
    after: { status: row.status, version: row.version, reason: change.reason }
  })
  return statusChangeToApi(history!)
}

export async function listStatusChanges (db: Database, id: string, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined) {
  await findEnterprise(db, id, who)
  const [after] = cursors.decode('enterprise-status-changes', { id }, cursor) ?? []
  const rows = await db.select().from(enterpriseStatusChanges)
    .where(and(eq(enterpriseStatusChanges.enterpriseId, id), after ? gt(enterpriseStatusChanges.id, after) : undefined))
    .orderBy(asc(enterpriseStatusChanges.id))
    .limit(limit + 1)
  return page(rows, limit, statusChangeToApi, (last) => cursors.encode('enterprise-status-changes', { id }, [last.id]))
}

function escapeLike (text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c)
}

export async function listEnterprises (db: Database, who: Principal, registry: JurisdictionRegistry, cursors: Cursors, limit: number, cursor: string | undefined, filters: EnterpriseFilters) {
  const [after] = cursors.decode('enterprises', filters, cursor) ?? []
  const rows = await preparedShape(db, 'enterprises_list', who.role, (bind) => {
    const conditions: Array<SQL | undefined> = [visibleEnterprises(who, bind), after ? gt(enterprises.id, bind('after', after)) : undefined]
    if (filters.sector) conditions.push(arrayContains(enterprises.sectors, bind('sector', [filters.sector])))
    if (filters.status) conditions.push(eq(enterprises.status, bind('status', filters.status)))
    if (filters.uscc) conditions.push(eq(enterprises.uscc, bind('uscc', filters.uscc.toUpperCase())))
    if (filters.jurisdiction) conditions.push(arrayOverlaps(enterprises.jurisdictionCodes, bind('jurisdiction', subtreeOf(registry, filters.jurisdiction, 'query', '/jurisdiction'))))
    if (filters.name) {
      const pattern = bind('name', `%${escapeLike(filters.name)}%`)
      conditions.push(or(ilike(enterprises.nameZh, pattern), ilike(enterprises.nameEn, pattern)))
    }
    const take = bind('limit', limit + 1)
    return (db, name) => db.select().from(enterprises).where(and(...conditions)).orderBy(asc(enterprises.id)).limit(take).prepare(name)
  }).execute()
  return page(rows, limit, (r) => enterpriseToApi(r), (last) => cursors.encode('enterprises', filters, [last.id]))
}
