import { fieldFailure, type FieldFailure } from '../../lib/problems.js'
import { platformCity, type PlatformRules } from '../imports/platform-data.js'
import { checkPlate, checkResidentId, checkVin, maskResidentId } from '../licences/identifiers.js'
import { todayFor } from '../licences/lifecycle.js'
import { idNumberToken } from '../licences/rules.js'
import type { RosterLine } from './schemas.js'

// The rules of one roster line, as pure functions of the line and what is known: the caller's
// enterprise and the division register. Where the line goes (which entry it adds, changes or
// removes) is the import's to find out (import.ts).

/** A checked line: the entry it names (its city and key) and, unless it deletes, the values it holds. */
export type CheckedRosterLine =
  | { entry: 'vehicle', flag: RosterLine['flag'], jurisdictionCode: string, key: string, values: { plate: string, plateColour: string, vin: string, certificateNumber: string, serviceFrom: string, serviceUntil: string | null } | null, serviceUntil: string | null }
  | { entry: 'driver', flag: RosterLine['flag'], jurisdictionCode: string, key: string, values: { driverIdHash: string, driverIdMasked: string, certificateNumber: string, serviceFrom: string, serviceUntil: string | null } | null, serviceUntil: string | null }

export type RosterFailure = FieldFailure

const fail = fieldFailure

const required = (pointer: string, flag: string) => fail('validation_failed', pointer, 'required', `${pointer.slice(1)} is required to ${flag} an entry`)

export function checkRosterLine (input: RosterLine, ctx: PlatformRules): { line: CheckedRosterLine, failure?: undefined } | { failure: RosterFailure } {
  const place = platformCity(input.jurisdictionCode, ctx)
  if (place.failure) return place
  const { city } = place
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
