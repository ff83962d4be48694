import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, lt, lte, ne, sql, type SQL } from 'drizzle-orm'
import { canSeeLicence, visibleAgencies, visibleEnterprises, visibleLicences, type Principal } from '../../auth/principal.js'
import { preparedOnce, preparedShape, rowsOf, type Bind, type Database } from '../../db/client.js'
import { rowsAsSet, type Column } from '../../db/columns.js'
import { copiedAll } from '../../db/copy.js'
import { uniqueViolation } from '../../db/errors.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { stale } from '../../lib/preconditions.js'
import { invalidField, notFound, ProblemError } from '../../lib/problems.js'
import { uuidv7 } from '../../lib/uuid.js'
import { agencies } from '../agencies/table.js'
import type { AuditAction } from '../audit/actions.js'
import { recordState, type Audit } from '../audit/trail.js'
import { enterprises } from '../enterprises/table.js'
import { subtreeOf } from '../jurisdictions/plugin.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { checkPlate, checkResidentId } from './identifiers.js'
import { addDays, dateIn, effectiveStatus, nextStatus, possibleActions, todayFor, validOn } from './lifecycle.js'
import { assertRegisterKeeper, checkLicence, failureProblem, shownNumber, type KnownAgency, type KnownEnterprise, type Warnings } from './rules.js'
import type { IssueLicence, LicenceApi, LicenceFilters, LicenceTransitionApi, Transition } from './schemas.js'
import { licences, licenceTransitions, type LicenceInsert, type LicenceRow, type LicenceTransitionRow } from './table.js'

export interface LicenceContext {
  jurisdictions: JurisdictionRegistry
  principal: Principal
  hashId: (id: string) => string
  requestId: string
  audit: Audit
}

export function licencePath (id: string): string {
  return `/v1/licences/${id}`
}

/** A licence row with its enterprise's name beside it, as every read selects it (one join, not a query per row). */
export type LicenceWithHolder = LicenceRow & { enterpriseName: string | null }

const withHolder = { ...getTableColumns(licences), enterpriseName: enterprises.nameZh }

export function licenceToApi (row: LicenceWithHolder, registry: JurisdictionRegistry, warnings: Warnings = [], now = new Date()): LicenceApi {
  const today = todayFor(registry, row.jurisdictionCode, now)
  // One of the Licence shapes by its type: the rules let a row hold only its type's fields.
  return <LicenceApi>{
    id: row.id,
    type: row.type,
    number: shownNumber(row),
    numberIsIdNumber: row.number !== shownNumber(row),
    jurisdictionCode: row.jurisdictionCode,
    issuingAgencyId: row.issuingAgencyId,
    enterpriseId: row.enterpriseId,
    enterpriseName: row.enterpriseName,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    status: effectiveStatus(row.status, row.validUntil, today),
    recordedStatus: row.status,
    valid: validOn(row.status, row.validFrom, row.validUntil, today),
    plate: row.plate,
    plateColour: row.plateColour,
    vin: row.vin,
    driverIdMasked: row.driverIdMasked,
    importId: row.importId,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    warnings
  }
}

function transitionToApi (row: LicenceTransitionRow): LicenceTransitionApi {
  return {
    id: row.id,
    licenceId: row.licenceId,
    action: row.action,
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    validUntilBefore: row.validUntilBefore,
    validUntilAfter: row.validUntilAfter,
    reason: row.reason,
    byAgencyId: row.byAgencyId,
    byKeyId: row.byKeyId,
    requestId: row.requestId,
    changedAt: row.changedAt.toISOString(),
    licenceVersion: row.licenceVersion
  }
}

export function numberTaken (input: { type: string, number: string, jurisdictionCode: string, driverIdHash?: string | null, driverIdMasked?: string | null }, existingId?: string): ProblemError {
  return new ProblemError('licence_number_taken', `A ${input.type} numbered ${shownNumber(input)} already exists in ${input.jurisdictionCode}`, {
    ...(existingId ? { existing: licencePath(existingId) } : {}),
    errors: [{ in: 'body', pointer: '/number', code: 'licence_number_taken', message: 'already in the register for this type and jurisdiction' }]
  })
}

/**
 * The agencies and enterprises a batch of licences names, read in two queries: only those the
 * caller may read, so that one it may not is refused exactly like one that does not exist.
 */
export async function knownHolders (db: Database, who: Principal, agencyIds: string[], enterpriseIds: string[]) {
  const agencyRows = agencyIds.length
    ? await db.select({ id: agencies.id, kind: agencies.kind, jurisdictionCode: agencies.jurisdictionCode }).from(agencies).where(and(inArray(agencies.id, agencyIds), visibleAgencies(who)))
    : []
  const enterpriseRows = enterpriseIds.length
    ? await db.select({ id: enterprises.id, nameZh: enterprises.nameZh, jurisdictionCodes: enterprises.jurisdictionCodes, sectors: enterprises.sectors }).from(enterprises).where(and(inArray(enterprises.id, enterpriseIds), visibleEnterprises(who)))
    : []
  return {
    agencies: new Map<string, KnownAgency>(agencyRows.map((a) => [a.id, a])),
    enterprises: new Map<string, KnownEnterprise>(enterpriseRows.map((e) => [e.id, e]))
  }
}

type LicenceLine = Omit<LicenceInsert, 'id'> & { line: number }
/** A batch's columns, as insertLicences writes them (src/db/columns.ts, src/db/copy.ts): the new ids beside the rows, and who issued them. */
const insertColumns = (ids: string[], from: { keyId: string | null, importId: string | null }): Array<Column<LicenceLine>> => [
  ['jurisdiction_code', 'char(6)', (r) => r.jurisdictionCode], ['id', 'uuid', (_, i) => ids[i]], ['type', 'text', (r) => r.type], ['number', 'text', (r) => r.number],
  ['issuing_agency_id', 'uuid', (r) => r.issuingAgencyId], ['enterprise_id', 'uuid', (r) => r.enterpriseId], ['valid_from', 'date', (r) => r.validFrom],
  ['valid_until', 'date', (r) => r.validUntil], ['plate', 'text', (r) => r.plate], ['plate_colour', 'text', (r) => r.plateColour], ['vin', 'text', (r) => r.vin],
  ['driver_id_hash', 'text', (r) => r.driverIdHash], ['driver_id_masked', 'text', (r) => r.driverIdMasked], ['import_line', 'int', (r) => r.line],
  ['issued_by_key_id', 'uuid', () => from.keyId], ['import_id', 'uuid', () => from.importId]
]

/**
 * Many checked licences at once: copied in (src/db/copy.ts) when every number is new, as a batch
 * of an import nearly always is; otherwise in one statement (a text parameter a column, so its
 * size does not grow with the batch) that skips a number already taken rather than failing. The
 * ids and lines of those that landed come back, and the caller reports the others.
 */
export async function insertLicences (tx: Database, rows: LicenceLine[], from: { keyId: string | null, importId: string | null }) {
  const ids = rows.map(() => uuidv7())
  const columns = insertColumns(ids, from)
  if (await copiedAll(tx, 'licences', columns, rows)) return rows.map((r, i) => ({ id: ids[i]!, line: r.line }))
  return rowsOf<{ id: string, line: number }>(await tx.execute(sql`
    insert into licences (${sql.raw(columns.map(([name]) => name).join(', '))})
    select * from ${rowsAsSet(rows, 'u', columns)}
    on conflict (jurisdiction_code, type, number) do nothing
    returning id, import_line as line`))
}

export async function issueLicence (tx: Database, input: IssueLicence, ctx: LicenceContext): Promise<LicenceApi> {
  assertRegisterKeeper(ctx.principal)
  const known = await knownHolders(tx, ctx.principal, [input.issuingAgencyId], input.enterpriseId ? [input.enterpriseId] : [])
  const checked = checkLicence(input, {
    registry: ctx.jurisdictions,
    principal: ctx.principal,
    agency: (id) => known.agencies.get(id),
    enterprise: (id) => known.enterprises.get(id),
    hashId: ctx.hashId,
    now: new Date()
  })
  if (checked.failure) throw failureProblem(checked.failure)
  const { values, warnings } = checked
  const [existing] = await tx.select({ id: licences.id }).from(licences)
    .where(and(eq(licences.jurisdictionCode, values.jurisdictionCode), eq(licences.type, values.type), eq(licences.number, values.number)))
  if (existing) throw numberTaken(values, existing.id)
  let row: LicenceRow | undefined
  try {
    [row] = await tx.insert(licences).values({ ...values, id: uuidv7(), issuedByKeyId: ctx.principal.keyId }).returning()
  } catch (err) {
    if (uniqueViolation(err)) throw numberTaken(values)
    throw err
  }
  const issued = licenceToApi({ ...row!, enterpriseName: values.enterpriseId ? known.enterprises.get(values.enterpriseId)!.nameZh : null }, ctx.jurisdictions, warnings)
  // The enterprise's name is the enterprise's record, shown beside the licence, not part of it.
  const { enterpriseName: _name, ...state } = recordState(issued)
  ctx.audit({ action: 'licence.issued', entityType: 'licence', entityId: issued.id, enterpriseId: issued.enterpriseId, jurisdictionCodes: [issued.jurisdictionCode], before: null, after: state })
  return issued
}

const byId = (db: Database, name: string) => db.select(withHolder).from(licences).leftJoin(enterprises, eq(enterprises.id, licences.enterpriseId))
  .where(eq(licences.id, sql.placeholder('id'))).prepare(name)

/** The licence if the caller may see it; another tenant's answers 404 exactly like a missing one. */
export async function findLicence (db: Database, id: string, who: Principal): Promise<LicenceWithHolder> {
  const [row] = await preparedOnce(db, 'licence_by_id', byId).execute({ id })
  if (!row || !canSeeLicence(who, row)) throw notFound('licence', id)
  return row
}

/** The audit trail's name for each move: what happened to the licence. */
const transitionEvents: Record<Transition['action'], AuditAction> = {
  suspend: 'licence.suspended',
  reinstate: 'licence.reinstated',
  revoke: 'licence.revoked',
  renew: 'licence.renewed'
}

export async function transitionLicence (tx: Database, id: string, expected: number | '*', change: Transition, ctx: LicenceContext): Promise<LicenceTransitionApi> {
  assertRegisterKeeper(ctx.principal)
  const [current] = await tx.select().from(licences).where(eq(licences.id, id)).for('update')
  if (!current || !canSeeLicence(ctx.principal, current)) throw notFound('licence', id)
  // A stale ETag first: the client must re-read before anything else it is told can be trusted.
  if (expected !== '*' && current.version !== expected) throw stale(current.version)
  if (change.reason.includes('\u0000')) throw invalidField('validation_failed', '/reason', 'nul_character', 'must not hold a NUL character')
  if (change.action === 'renew' && change.validUntil === undefined) {
    throw invalidField('validation_failed', '/validUntil', 'required', 'is required to renew: the new last valid day')
  }
  if (change.action !== 'renew' && change.validUntil !== undefined) {
    throw invalidField('validation_failed', '/validUntil', 'not_allowed', `only a renewal changes validity; ${change.action} does not`)
  }
  const to = nextStatus(current.status, change.action)
  if (!to) {
    const possible = possibleActions(current.status)
    const status = effectiveStatus(current.status, current.validUntil, todayFor(ctx.jurisdictions, current.jurisdictionCode))
    throw new ProblemError('invalid_status_transition',
      `The licence is ${status}; ${possible.length ? `it can be: ${possible.join(', ')}` : 'revocation is final'}`,
      { currentStatus: status, errors: [{ in: 'body', pointer: '/action', code: 'invalid_status_transition', message: `cannot ${change.action} a ${current.status} licence` }] })
  }
  const validUntil = change.validUntil ?? current.validUntil
  if (change.action === 'renew' && validUntil <= current.validUntil) {
    throw invalidField('invalid_validity', '/validUntil', 'renewal_does_not_extend', `a renewal extends validity: ${validUntil} is not after the current last valid day ${current.validUntil}`)
  }
  const [row] = await tx.update(licences)
    .set({ status: to, validUntil, version: sql`${licences.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(licences.jurisdictionCode, current.jurisdictionCode), eq(licences.id, id)))
    .returning()
  const [history] = await tx.insert(licenceTransitions).values({
    jurisdictionCode: current.jurisdictionCode,
    id: uuidv7(),
    licenceId: id,
    action: change.action,
    fromStatus: current.status,
    toStatus: to,
    validUntilBefore: current.validUntil,
    validUntilAfter: validUntil,
    reason: change.reason,
    licenceVersion: row!.version,
    byKeyId: ctx.principal.keyId,
    byAgencyId: ctx.principal.agencyId,
    requestId: ctx.requestId
  }).returning()
  ctx.audit({
    action: transitionEvents[change.action],
    entityType: 'licence',
    entityId: id,
    enterpriseId: current.enterpriseId,
    jurisdictionCodes: [current.jurisdictionCode],
    before: { status: current.status, validUntil: current.validUntil, version: current.version },
    after: { status: to, validUntil, version: row!.version, reason: change.reason }
  })
  return transitionToApi(history!)
}

export async function listTransitions (db: Database, id: string, who: Principal, cursors: Cursors, limit: number, cursor: string | undefined) {
  const licence = await findLicence(db, id, who)
  const [after] = cursors.decode('licence-transitions', { id }, cursor) ?? []
  const rows = await db.select().from(licenceTransitions)
    .where(and(eq(licenceTransitions.jurisdictionCode, licence.jurisdictionCode), eq(licenceTransitions.licenceId, id), after ? gt(licenceTransitions.id, after) : undefined))
    .orderBy(asc(licenceTransitions.id))
    .limit(limit + 1)
  return page(rows, limit, transitionToApi, (last) => cursors.encode('licence-transitions', { id }, [last.id]))
}

// ---- Dates: "today" is a date in each licence's jurisdiction ----

const zonesOf = new WeakMap<JurisdictionRegistry, Map<string, string[]>>()

/**
 * A condition on valid_until against today, where today is taken in each jurisdiction's own time
 * zone: one comparison when every division shares a zone (China's do), one per zone otherwise.
 */
export function againstToday (registry: JurisdictionRegistry, now: Date, build: (today: string, zone: string) => SQL): SQL {
  let zones = zonesOf.get(registry)
  if (!zones) {
    zones = new Map()
    for (const j of registry.all) zones.set(j.timeZone, [...(zones.get(j.timeZone) ?? []), j.code])
    zonesOf.set(registry, zones)
  }
  if (zones.size === 1) { const [zone] = zones.keys(); return build(dateIn(zone!, now), zone!) }
  return sql.join([...zones].map(([zone, codes]) => sql`(${and(inArray(licences.jurisdictionCode, codes), build(dateIn(zone, now), zone))})`), sql` or `)
}

// Each kind of condition binds its own names, so that a statement's shape names its SQL (see preparedShape).
function statusCondition (status: NonNullable<LicenceFilters['status']>, registry: JurisdictionRegistry, now: Date, bind: Bind): SQL | undefined {
  switch (status) {
    case 'revoked': return eq(licences.status, bind('status', 'revoked'))
    case 'expired': return and(ne(licences.status, 'revoked'), againstToday(registry, now, (today, zone) => lt(licences.validUntil, bind(`expiredBefore ${zone}`, today))))
    default: return and(eq(licences.status, bind('status', status)), againstToday(registry, now, (today, zone) => gte(licences.validUntil, bind(`validFrom ${zone}`, today))))
  }
}

/** A plate to look for, as stored (upper case, no separators); one that cannot exist is refused, not searched. */
export function plateToFind (input: string, from: 'query' | 'body' = 'query'): string {
  const plate = checkPlate(input)
  if (plate.failure) throw invalidField('invalid_plate', '/plate', plate.failure.code, `plate ${plate.plate} ${plate.failure.message}`, from)
  return plate.plate
}

export async function listLicences (db: Database, who: Principal, registry: JurisdictionRegistry, cursors: Cursors, limit: number, cursor: string | undefined, filters: LicenceFilters) {
  // The cursor is bound to the filters, sort included: a page of one order never continues another.
  const after = cursors.decode('licences', filters, cursor)
  const byExpiry = filters.sort === 'validUntil'
  const now = new Date()
  // One prepared statement per shape; the order is part of the shape (the first pages of both bind the same values).
  const rows = await preparedShape(db, byExpiry ? 'licences_by_expiry' : 'licences_list', who.role, (bind) => {
    const conditions: Array<SQL | undefined> = [visibleLicences(who, bind)]
    if (after) {
      conditions.push(byExpiry
        ? sql`(${licences.validUntil}, ${licences.id}) > (${bind('afterValidUntil', after[0])}::date, ${bind('after', after[1])}::uuid)`
        : gt(licences.id, bind('after', after[0]!)))
    }
    if (filters.importId) conditions.push(eq(licences.importId, bind('importId', filters.importId)))
    if (filters.type) conditions.push(eq(licences.type, bind('type', filters.type)))
    if (filters.status) conditions.push(statusCondition(filters.status, registry, now, bind))
    if (filters.jurisdiction) conditions.push(sql`${licences.jurisdictionCode} = any(${bind('jurisdiction', subtreeOf(registry, filters.jurisdiction, 'query', '/jurisdiction'))})`)
    if (filters.enterprise) conditions.push(eq(licences.enterpriseId, bind('enterprise', filters.enterprise)))
    if (filters.plate) conditions.push(eq(licences.plate, bind('plate', plateToFind(filters.plate))))
    if (filters.expiringWithinDays !== undefined) {
      const days = filters.expiringWithinDays
      conditions.push(ne(licences.status, 'revoked'), againstToday(registry, now, (today, zone) =>
        and(gte(licences.validUntil, bind(`expiringFrom ${zone}`, today)), lte(licences.validUntil, bind(`expiringUntil ${zone}`, addDays(today, days))))!))
    }
    const take = bind('limit', limit + 1)
    return (db, name) => db.select(withHolder).from(licences).leftJoin(enterprises, eq(enterprises.id, licences.enterpriseId))
      .where(and(...conditions)).orderBy(...byExpiry ? [asc(licences.validUntil), asc(licences.id)] : [asc(licences.id)]).limit(take).prepare(name)
  }).execute()
  return page(rows, limit, (r) => licenceToApi(r, registry, [], now), (last) => cursors.encode('licences', filters, byExpiry ? [last.validUntil, last.id] : [last.id]))
}

/** Driver certificates held under an ID number: matched by its keyed hash, never by the number. */
export async function findDriverCertificates (db: Database, who: Principal, registry: JurisdictionRegistry, hashId: (id: string) => string, input: { idNumber: string, jurisdictionCode?: string }) {
  const today = dateIn(input.jurisdictionCode ? registry.get(input.jurisdictionCode)?.timeZone ?? 'Asia/Shanghai' : 'Asia/Shanghai')
  const id = checkResidentId(input.idNumber, today)
  if (id.failure) throw invalidField('invalid_resident_id', '/idNumber', id.failure.code, `idNumber: ${id.failure.message}`)
  const rows = await db.select(withHolder).from(licences).leftJoin(enterprises, eq(enterprises.id, licences.enterpriseId)).where(and(
    eq(licences.driverIdHash, hashId(id.id)),
    visibleLicences(who),
    input.jurisdictionCode ? inArray(licences.jurisdictionCode, subtreeOf(registry, input.jurisdictionCode, 'body', '/jurisdictionCode')) : undefined
  )).orderBy(desc(licences.id)).limit(100)
  return { items: rows.map((r) => licenceToApi(r, registry)) }
}
