import { withinJurisdiction, type Principal } from '../../auth/principal.js'
import { ProblemError, type ProblemCode, type ProblemDetail } from '../../lib/problems.js'
import type { JurisdictionRegistry } from '../jurisdictions/registry.js'
import { checkPlate, checkResidentId, checkVin, maskResidentId, platePrefixes, residentIdsIn } from './identifiers.js'
import { todayFor } from './lifecycle.js'
import type { IssueLicence, LicenceApi } from './schemas.js'
import type { LicenceInsert } from './table.js'

// The rules a licence must satisfy to enter the register, the same for one request and for each
// line of an import: pure, given what the register already knows (agencies, enterprises).

export interface KnownAgency { kind: string, jurisdictionCode: string }
export interface KnownEnterprise { nameZh: string, jurisdictionCodes: string[], sectors: string[] }

export interface LicenceRulesContext {
  registry: JurisdictionRegistry
  principal: Principal
  /** Undefined for one that does not exist and for one the caller may not read: the two answer alike. */
  agency: (id: string) => KnownAgency | undefined
  enterprise: (id: string) => KnownEnterprise | undefined
  /** The keyed hash under which a driver's ID number is matched; the number itself is never kept. */
  hashId: (id: string) => string
  now: Date
}

export type Warnings = LicenceApi['warnings']

/** A licence ready to insert (without id and provenance), or the one problem that refuses it. */
export type Checked =
  | { values: Omit<LicenceInsert, 'id'>, warnings: Warnings, failure?: undefined }
  | { failure: { code: ProblemCode, errors: ProblemDetail[] } }

const fail = (code: ProblemCode, pointer: string, detailCode: string, message: string): Checked =>
  ({ failure: { code, errors: [{ in: 'body', pointer, code: detailCode, message }] } })

const expectedSector: Partial<Record<IssueLicence['type'], string>> = { platform_permit: 'ride_hailing', car_share_filing: 'car_share' }

// Printable, without spaces at its ends: what can be printed on a licence and found again.
const printableNumber = /^[^\s\p{Cc}]([^\p{Cc}]*[^\s\p{Cc}])?$/u
export const numberFormat = { ok: (number: string) => printableNumber.test(number), message: 'must not begin or end with a space, nor hold control characters (line breaks, tabs, NUL)' }

/** The rules past the schema: which fields each type has is IssueLicence's (a union by type). */
export function checkLicence (input: IssueLicence, ctx: LicenceRulesContext): Checked {
  if (!numberFormat.ok(input.number)) return fail('validation_failed', '/number', 'number_format', numberFormat.message)

  const warnings: Warnings = []
  const place = ctx.registry.current(input.jurisdictionCode)
  if (!place) return fail('unknown_jurisdiction', '/jurisdictionCode', 'unknown_jurisdiction', `${input.jurisdictionCode} is not a known GB/T 2260 division (see GET /v1/public/jurisdictions)`)
  if (place.code !== input.jurisdictionCode) {
    warnings.push({ code: 'jurisdiction_superseded', pointer: '/jurisdictionCode', message: `${input.jurisdictionCode} was abolished; recorded as its successor ${place.code} (${place.nameZh})` })
  }
  const jurisdictionCode = place.code
  if (withinJurisdiction(ctx.principal, [jurisdictionCode])) {
    return fail('outside_jurisdiction', '/jurisdictionCode', 'outside_jurisdiction', `${jurisdictionCode} is outside your jurisdiction`)
  }
  if (input.validUntil < input.validFrom) {
    return fail('invalid_validity', '/validUntil', 'validity_ends_before_start', `validUntil ${input.validUntil} is before validFrom ${input.validFrom}`)
  }

  const today = todayFor(ctx.registry, jurisdictionCode, ctx.now)
  // A resident ID number typed as the number is personal data whatever the type. Only a driver's
  // certificate may be numbered with one (its holder's, below); a vehicle, a permit or a filing
  // is numbered in the bureau's own series, so an ID number there is a mistake that would be
  // published to anyone who verifies it: refused rather than kept.
  const idsInNumber = residentIdsIn(input.number, today)
  if (idsInNumber.length && (input.type !== 'driver_certificate' || idsInNumber[0] !== input.number.toUpperCase())) {
    return fail('personal_data_not_allowed', '/number', 'number_holds_resident_id', input.type === 'driver_certificate'
      ? 'holds a resident ID number inside it: a driver certificate is numbered with its holder’s ID number exactly, or with its own serial'
      : `holds a resident ID number; a ${input.type} is numbered in the issuing agency’s own series, never with a person’s ID number`)
  }

  const agency = ctx.agency(input.issuingAgencyId)
  if (!agency || agency.kind !== 'transport' || agency.jurisdictionCode !== jurisdictionCode) {
    const why = !agency ? 'there is no such agency' : agency.kind !== 'transport' ? `it is a ${agency.kind} agency, not a transport agency` : `it is an agency of ${agency.jurisdictionCode}, not of ${jurisdictionCode}`
    return fail('invalid_issuing_agency', '/issuingAgencyId', 'not_transport_agency_of_jurisdiction', `${input.issuingAgencyId} cannot issue this licence: ${why}`)
  }

  const enterpriseId = input.enterpriseId ?? null
  if (enterpriseId) {
    const enterprise = ctx.enterprise(enterpriseId)
    if (!enterprise) return fail('unknown_enterprise', '/enterpriseId', 'unknown_enterprise', `No enterprise with id ${enterpriseId}`)
    const area = ctx.registry.subtree(jurisdictionCode)
    if (!enterprise.jurisdictionCodes.some((code) => area.includes(code))) {
      warnings.push({ code: 'enterprise_not_operating_here', pointer: '/enterpriseId', message: `the enterprise is not registered as operating in ${jurisdictionCode} (${place.nameZh})` })
    }
    const sector = expectedSector[input.type]
    if (sector && !enterprise.sectors.includes(sector)) {
      warnings.push({ code: 'enterprise_sector_mismatch', pointer: '/enterpriseId', message: `a ${input.type} is for a ${sector} enterprise; this one is registered for ${enterprise.sectors.join(', ')}` })
    }
  }

  const values: Omit<LicenceInsert, 'id'> = {
    jurisdictionCode,
    type: input.type,
    number: input.number,
    issuingAgencyId: input.issuingAgencyId,
    enterpriseId,
    validFrom: input.validFrom,
    validUntil: input.validUntil
  }

  if (input.type === 'vehicle_certificate') {
    const plate = checkPlate(input.plate!)
    if (plate.failure) return fail('invalid_plate', '/plate', plate.failure.code, plate.failure.message)
    const greenPlate = input.plateColour === 'green' || input.plateColour === 'yellow_green'
    if ((plate.kind === 'new_energy') !== greenPlate) {
      return fail('invalid_plate', '/plateColour', 'plate_colour_mismatch', plate.kind === 'new_energy'
        ? `an 8-character new-energy plate is green or yellow_green, not ${input.plateColour}`
        : `a green or yellow_green plate is a new-energy plate of 8 characters; ${plate.plate} has 7`)
    }
    const vin = checkVin(input.vin!)
    if (vin.failure) return fail('invalid_vin', '/vin', vin.failure.code, vin.failure.message)
    const prefixes = platePrefixes[jurisdictionCode]
    if (prefixes && !prefixes.some((prefix) => plate.plate.startsWith(prefix))) {
      warnings.push({ code: 'plate_from_elsewhere', pointer: '/plate', message: `${plate.plate} is not a plate of ${place.nameZh} (${prefixes.join(', ')}); check that a vehicle registered elsewhere may serve here` })
    }
    Object.assign(values, { plate: plate.plate, plateColour: input.plateColour, vin: vin.vin })
  }

  if (input.type === 'driver_certificate') {
    const id = checkResidentId(input.idNumber!, today)
    if (id.failure) return fail('invalid_resident_id', '/idNumber', id.failure.code, id.failure.message)
    const driverIdHash = ctx.hashId(id.id)
    Object.assign(values, { driverIdHash, driverIdMasked: maskResidentId(id.id) })
    // Many cities number a driver's certificate with the driver's ID number. Such a number is kept
    // like the ID number itself: only under its keyed hash, shown masked.
    const numberAsId = checkResidentId(input.number, today)
    if (!numberAsId.failure) {
      if (numberAsId.id !== id.id) {
        return fail('validation_failed', '/number', 'number_is_another_resident_id', 'the number is a resident ID number, but not the driver’s (idNumber): a certificate is numbered with its holder’s ID number or its own serial')
      }
      values.number = idNumberToken(driverIdHash)
    }
  }

  return { values, warnings }
}

/**
 * The register is kept by transport agencies: another regulator of the city (market regulation,
 * cyberspace …) reads it but may not issue, import or change a licence in the bureau's name.
 */
export function assertRegisterKeeper (who: Principal): void {
  if (who.role === 'regulator' && who.agencyKind !== 'transport') {
    throw new ProblemError('forbidden', `The licence register is kept by transport agencies; a ${who.agencyKind ?? 'keyless'} agency reads it but does not write it`)
  }
}

/** What a licence numbered with its holder's ID number keeps in place of the number. */
export function idNumberToken (driverIdHash: string): string {
  return `id-hmac:${driverIdHash}`
}

/** A licence's number as it may be shown: the masked ID number for one numbered with it. */
export function shownNumber (licence: { number: string, driverIdHash?: string | null, driverIdMasked?: string | null }): string {
  return licence.driverIdHash && licence.number === idNumberToken(licence.driverIdHash) ? licence.driverIdMasked! : licence.number
}

/** The failure as the problem a single request answers with. */
export function failureProblem ({ code, errors }: { code: ProblemCode, errors: ProblemDetail[] }): ProblemError {
  const detail = errors.length === 1 ? `${errors[0]!.pointer.slice(1)}: ${errors[0]!.message}` : `${errors.length} fields are not right for this licence type`
  return new ProblemError(code, detail, { errors })
}
