import type { ProblemCode, ProblemDetail } from '../../lib/problems.js'
import type { Jurisdiction, JurisdictionRegistry } from '../jurisdictions/registry.js'
import { checkPlate, checkResidentId, checkVin, maskResidentId } from '../licences/identifiers.js'
import { todayFor } from '../licences/lifecycle.js'
import { idNumberToken } from '../licences/rules.js'
import type { RosterLine } from './schemas.js'

// The rules of one roster line, as pure functions of the line and what is known: the caller's
// enterprise and the division register. Where the line goes (which entry it adds, changes or
// removes) is the import's to find out (import.ts).

/** The province-level municipalities: a city of their own, whatever their prefecture-level codes (市辖区, 县) say. */
const municipalities = new Set(['110000', '120000', '310000', '500000'])

/** The city a division belongs to: itself when a prefecture-level city or a municipality; undefined above city level. */
export function cityOf (registry: JurisdictionRegistry, code: string): Jurisdiction | undefined {
  let place = registry.current(code)
  for (let hops = 0; place && hops < 5; hops++) {
    if (municipalities.has(place.code)) return place
    const parent = place.parentCode ? registry.get(place.parentCode) : undefined
    if (parent && municipalities.has(parent.code)) return parent
    if (place.level === 'prefecture') return place
    if (place.level === 'province') return undefined
    place = parent
  }
  return undefined
}

export interface RosterRulesContext {
  registry: JurisdictionRegistry
  /** The divisions the submitting platform is registered as operating in. */
  operatingIn: string[]
  hashId: (id: string) => string
  now: Date
}

/** A checked line: the entry it names (its city and key) and, unless it deletes, the values it holds. */
export type CheckedRosterLine =
  | { entry: 'vehicle', flag: RosterLine['flag'], jurisdictionCode: string, key: string, values: { plate: string, plateColour: string, vin: string, certificateNumber: string, serviceFrom: string, serviceUntil: string | null } | null, serviceUntil: string | null }
  | { entry: 'driver', flag: RosterLine['flag'], jurisdictionCode: string, key: string, values: { driverIdHash: string, driverIdMasked: string, certificateNumber: string, serviceFrom: string, serviceUntil: string | null } | null, serviceUntil: string | null }

export interface RosterFailure { code: ProblemCode, errors: ProblemDetail[] }

const fail = (code: ProblemCode, pointer: string, detail: string, message: string): { failure: RosterFailure } =>
  ({ failure: { code, errors: [{ in: 'body', pointer, code: detail, message }] } })

const required = (pointer: string, flag: string) => fail('validation_failed', pointer, 'required', `${pointer.slice(1)} is required to ${flag} an entry`)

export function checkRosterLine (input: RosterLine, ctx: RosterRulesContext): { line: CheckedRosterLine, failure?: undefined } | { failure: RosterFailure } {
  const city = cityOf(ctx.registry, input.jurisdictionCode)
  if (!ctx.registry.get(input.jurisdictionCode)) return fail('unknown_jurisdiction', '/jurisdictionCode', 'unknown_jurisdiction', `${input.jurisdictionCode} is not a known GB/T 2260 division (see GET /v1/public/jurisdictions)`)
  if (!city) return fail('jurisdiction_not_a_city', '/jurisdictionCode', 'not_a_city', `${input.jurisdictionCode} is a province: a roster is a city’s; give the city’s code`)
  const area = ctx.registry.subtree(city.code)
  if (!ctx.operatingIn.some((code) => area.includes(code) || ctx.registry.subtree(code).includes(city.code))) {
    return fail('not_operating_here', '/jurisdictionCode', 'not_operating_here', `your enterprise is not registered as operating in ${city.code} (${city.nameZh}); its registration lists ${ctx.operatingIn.join(', ')}`)
  }
  if (input.serviceFrom && input.serviceUntil && input.serviceUntil < input.serviceFrom) {
    return fail('invalid_validity', '/serviceUntil', 'service_ends_before_start', `serviceUntil ${input.serviceUntil} is before serviceFrom ${input.serviceFrom}`)
  }
  const today = todayFor(ctx.registry, city.code, ctx.now)
  const adding = input.flag !== 'delete'
  if (adding && input.flag === 'add' && !input.serviceFrom) return required('/serviceFrom', input.flag)
  if (adding && input.flag === 'add' && !input.certificateNumber) return required('/certificateNumber', input.flag)
  const serviceUntil = input.serviceUntil ?? null

  if (input.entry === 'vehicle') {
    const plate = checkPlate(input.plate)
    if (plate.failure) return fail('invalid_plate', '/plate', plate.failure.code, plate.failure.message)
    if (!adding) return { line: { entry: 'vehicle', flag: input.flag, jurisdictionCode: city.code, key: plate.plate, values: null, serviceUntil: serviceUntil ?? today } }
    if (input.flag === 'add' && !input.plateColour) return required('/plateColour', input.flag)
    if (input.flag === 'add' && !input.vin) return required('/vin', input.flag)
    if (input.plateColour) {
      const green = input.plateColour === 'green' || input.plateColour === 'yellow_green'
      if ((plate.kind === 'new_energy') !== green) {
        return fail('invalid_plate', '/plateColour', 'plate_colour_mismatch', plate.kind === 'new_energy'
          ? `an 8-character new-energy plate is green or yellow_green, not ${input.plateColour}`
          : `a green or yellow_green plate is a new-energy plate of 8 characters; ${plate.plate} has 7`)
      }
    }
    const vin = input.vin === undefined ? undefined : checkVin(input.vin)
    if (vin?.failure) return fail('invalid_vin', '/vin', vin.failure.code, vin.failure.message)
    if (input.certificateNumber && checkResidentId(input.certificateNumber, today).failure === undefined) {
      return fail('personal_data_not_allowed', '/certificateNumber', 'number_holds_resident_id', 'a transport certificate is numbered in the bureau’s own series, never with a person’s ID number')
    }
    // An update gives what changed; the import fills in the rest from the entry it changes.
    return {
      line: {
        entry: 'vehicle',
        flag: input.flag,
        jurisdictionCode: city.code,
        key: plate.plate,
        serviceUntil,
        values: { plate: plate.plate, plateColour: input.plateColour ?? '', vin: vin?.vin ?? '', certificateNumber: input.certificateNumber ?? '', serviceFrom: input.serviceFrom ?? '', serviceUntil }
      }
    }
  }

  const id = checkResidentId(input.idNumber, today)
  if (id.failure) return fail('invalid_resident_id', '/idNumber', id.failure.code, id.failure.message)
  const driverIdHash = ctx.hashId(id.id)
  if (!adding) return { line: { entry: 'driver', flag: input.flag, jurisdictionCode: city.code, key: driverIdHash, values: null, serviceUntil: serviceUntil ?? today } }
  let certificateNumber = input.certificateNumber ?? ''
  // A certificate numbered with the driver's ID number is kept as the register keeps it: a token of the hash.
  if (certificateNumber) {
    const numberAsId = checkResidentId(certificateNumber, today)
    if (!numberAsId.failure) {
      if (numberAsId.id !== id.id) return fail('validation_failed', '/certificateNumber', 'number_is_another_resident_id', 'the certificate number is a resident ID number, but not the driver’s (idNumber)')
      certificateNumber = idNumberToken(driverIdHash)
    }
  }
  return {
    line: {
      entry: 'driver',
      flag: input.flag,
      jurisdictionCode: city.code,
      key: driverIdHash,
      serviceUntil,
      values: { driverIdHash, driverIdMasked: maskResidentId(id.id), certificateNumber, serviceFrom: input.serviceFrom ?? '', serviceUntil }
    }
  }
}
