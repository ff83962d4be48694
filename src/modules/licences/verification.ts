import { and, desc, eq, sql } from 'drizzle-orm'
import { preparedOnce, type Database } from '../../db/client.js'
import { invalidField, ProblemError } from '../../lib/problems.js'
import { enterprises } from '../enterprises/table.js'
import { subtreeOf } from '../jurisdictions/plugin.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { checkResidentId, residentIdsIn } from './identifiers.js'
import { dateIn, effectiveStatus, todayFor, validOn } from './lifecycle.js'
import { idNumberToken, numberFormat, shownNumber } from './rules.js'
import type { VerificationApi, VerifyRequest } from './schemas.js'
import { plateToFind } from './service.js'
import { licences } from './table.js'

// Public verification, for passengers and integrators: is this licence, or this plate's vehicle,
// in force today? Disclosed fields only, never a person's data.

/** The public verification's query, by plate or by type and number, optionally within a division: prepared once per handle. */
const verification = (by: 'plate' | 'number', within: boolean) => (db: Database, name: string) => db.select({
  type: licences.type,
  number: licences.number,
  jurisdictionCode: licences.jurisdictionCode,
  status: licences.status,
  validFrom: licences.validFrom,
  validUntil: licences.validUntil,
  plate: licences.plate,
  driverIdHash: licences.driverIdHash,
  driverIdMasked: licences.driverIdMasked,
  holderName: enterprises.nameZh
}).from(licences).leftJoin(enterprises, eq(enterprises.id, licences.enterpriseId)).where(and(
  by === 'plate'
    ? and(eq(licences.plate, sql.placeholder('plate')), eq(licences.type, 'vehicle_certificate'))
    : and(eq(licences.number, sql.placeholder('number')), eq(licences.type, sql.placeholder('type'))),
  within ? sql`${licences.jurisdictionCode} = any(${sql.placeholder('codes')}::bpchar[])` : undefined
)).orderBy(desc(licences.id)).limit(20).prepare(name)

/** A number to look for as stored: a resident ID number only by its keyed hash, and never from a URL. */
function numberToFind (number: string, hashPersonal: (value: string) => string, from: 'query' | 'body'): string {
  if (!numberFormat.ok(number)) throw invalidField('validation_failed', '/number', 'number_format', numberFormat.message, from)
  const today = dateIn('Asia/Shanghai')
  const asId = checkResidentId(number, today)
  // One holding an ID number inside matches nothing (the register refuses such numbers), but it is
  // still personal data: it stays out of URLs all the same.
  if (asId.failure && (from === 'body' || residentIdsIn(number, today).length === 0)) return number
  if (from === 'query') {
    throw new ProblemError('personal_data_in_url', 'This number is, or holds, a resident ID number: it never goes in a URL, where access logs keep it. Send the same fields as JSON to POST /v1/public/licences/verify', {
      errors: [{ in: 'query', pointer: '/number', code: 'personal_data_in_url', message: 'a resident ID number: send it in a POST body' }]
    })
  }
  return idNumberToken(hashPersonal(asId.id))
}

/**
 * Public verification: disclosed fields only, never a person's data. `from` is where the question
 * came: a number that is a resident ID number is answered only from a request body.
 */
export async function verifyLicence (db: Database, registry: JurisdictionRegistry, hashPersonal: (value: string) => string, query: VerifyRequest, from: 'query' | 'body'): Promise<VerificationApi> {
  if (query.plate === undefined && (query.type === undefined || query.number === undefined)) {
    const missing = query.type === undefined ? 'type' : 'number'
    throw new ProblemError('validation_failed', 'Give type and number, or plate', {
      errors: [{ in: from, pointer: `/${query.plate === undefined && query.number === undefined && query.type === undefined ? 'number' : missing}`, code: 'required', message: 'give type and number, or plate' }]
    })
  }
  if (query.plate !== undefined && (query.type !== undefined || query.number !== undefined)) {
    throw new ProblemError('validation_failed', 'Give type and number, or plate, not both', {
      errors: [{ in: from, pointer: '/plate', code: 'not_allowed', message: 'not together with type and number' }]
    })
  }
  const within = query.jurisdiction ? subtreeOf(registry, query.jurisdiction, from, '/jurisdiction') : undefined
  const rows = query.plate !== undefined
    ? await preparedOnce(db, within ? 'licence_verify_plate_within' : 'licence_verify_plate', verification('plate', within !== undefined)).execute({ plate: plateToFind(query.plate, from), codes: within })
    : await preparedOnce(db, within ? 'licence_verify_number_within' : 'licence_verify_number', verification('number', within !== undefined)).execute({ type: query.type, number: numberToFind(query.number!, hashPersonal, from), codes: within })
  const now = new Date()
  const matches = rows.map((r) => {
    const today = todayFor(registry, r.jurisdictionCode, now)
    return {
      type: r.type,
      number: shownNumber(r),
      jurisdictionCode: r.jurisdictionCode,
      jurisdictionName: registry.get(r.jurisdictionCode)?.nameZh ?? r.jurisdictionCode,
      status: effectiveStatus(r.status, r.validUntil, today),
      valid: validOn(r.status, r.validFrom, r.validUntil, today),
      validFrom: r.validFrom,
      validUntil: r.validUntil,
      plate: r.plate,
      holderName: r.holderName
    }
  })
  return { valid: matches.some((m) => m.valid), matches }
}
