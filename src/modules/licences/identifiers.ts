// Identifier rules the licence register rests on (DOMAIN.md, "Identifiers"): resident ID numbers
// (GB 11643), vehicle identification numbers (GB 16735 / ISO 3779) and plates (GA 36-2018).
// Pure functions: they know nothing of HTTP or SQL.

export interface IdentifierFailure { code: string, message: string }

// ---- Resident ID number (居民身份证号码), ISO 7064 MOD 11-2 ----

const idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const idChecks = '10X98765432'

export function residentIdCheckDigit (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * idWeights[i]!
  return idChecks[sum % 11]!
}

/** A calendar date that exists, as YYYY-MM-DD, or undefined. */
function calendarDate (yyyymmdd: string): string | undefined {
  const [y, m, d] = [Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)), Number(yyyymmdd.slice(6, 8))]
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`
}

export type ResidentIdResult =
  | { id: string, birthDate: string, sex: 'male' | 'female', failure?: undefined }
  | { id: string, failure: IdentifierFailure }

/**
 * Checks an ID number: 18 characters, a real birth date not after `today` (YYYY-MM-DD), and the
 * check digit. Lower-case x is accepted and normalised to X.
 */
export function checkResidentId (input: string, today: string): ResidentIdResult {
  const id = input.trim().toUpperCase()
  if (id.length !== 18) return { id, failure: { code: 'id_length', message: `must be 18 characters, got ${id.length}` } }
  if (!/^\d{17}[\dX]$/.test(id)) return { id, failure: { code: 'id_character', message: 'must be 17 digits and a digit or X' } }
  const birthDate = calendarDate(id.slice(6, 14))
  if (!birthDate || birthDate > today) {
    return { id, failure: { code: 'id_birth_date', message: 'the birth date in characters 7–14 is impossible or in the future' } }
  }
  const expected = residentIdCheckDigit(id.slice(0, 17))
  if (id[17] !== expected) return { id, failure: { code: 'id_check_digit', message: `the check digit is ${id[17]} but the first 17 digits give ${expected}` } }
  return { id, birthDate, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' }
}

/**
 * The resident ID numbers written in a text (upper case), each 18 characters not run together
 * with more digits: a licence number that is one, or holds one, holds personal data.
 */
export function residentIdsIn (text: string, today: string): string[] {
  return [...text.matchAll(/(?<!\d)\d{17}[\dXx](?![\dXx])/g)].map((m) => checkResidentId(m[0], today)).flatMap((r) => r.failure ? [] : [r.id])
}

/** For display: region and last four only, e.g. 440106********1234. */
export function maskResidentId (id: string): string {
  return `${id.slice(0, 6)}********${id.slice(-4)}`
}

// ---- Vehicle identification number ----

const vinValues: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9
}
const vinWeights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]

export function vinCheckDigit (vin: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const c = vin[i]!
    sum += (c >= '0' && c <= '9' ? Number(c) : vinValues[c]!) * vinWeights[i]!
  }
  const check = sum % 11
  return check === 10 ? 'X' : String(check)
}

export function checkVin (input: string): { vin: string, failure?: IdentifierFailure } {
  const vin = input.trim().toUpperCase()
  if (vin.length !== 17) return { vin, failure: { code: 'vin_length', message: `must be 17 characters, got ${vin.length}` } }
  const bad = /[^0-9A-HJ-NPR-Z]/.exec(vin)
  if (bad) return { vin, failure: { code: 'vin_character', message: `character ${bad.index + 1} '${bad[0]}' is not allowed (I, O and Q are never used)` } }
  const expected = vinCheckDigit(vin)
  if (vin[8] !== expected) return { vin, failure: { code: 'vin_check_digit', message: `position 9 is ${vin[8]} but the other characters give ${expected}` } }
  return { vin }
}

// ---- Vehicle plates (GA 36-2018) ----

const provinces = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼'
const ordinary = new RegExp(`^[${provinces}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]$`)
const newEnergy = new RegExp(`^[${provinces}][A-HJ-NP-Z](?:[DABCEFGHJK][A-HJ-NP-Z0-9]\\d{4}|\\d{5}[DABCEFGHJK])$`)
const pureElectric = 'DABCE'

export type PlateResult =
  | { plate: string, kind: 'ordinary', failure?: undefined }
  | { plate: string, kind: 'new_energy', power: 'pure_electric' | 'other_new_energy', failure?: undefined }
  | { plate: string, failure: IdentifierFailure }

export function checkPlate (input: string): PlateResult {
  const plate = input.trim().toUpperCase().replace(/[·•\s-]/g, '')
  const chars = [...plate]
  if (chars.length === 7 && ordinary.test(plate)) return { plate, kind: 'ordinary' }
  if (chars.length === 8 && newEnergy.test(plate)) {
    const letter = /[A-Z]/.test(chars[2]!) ? chars[2]! : chars[7]!
    return { plate, kind: 'new_energy', power: pureElectric.includes(letter) ? 'pure_electric' : 'other_new_energy' }
  }
  const fail = (code: string, message: string): PlateResult => ({ plate, failure: { code, message } })
  if (chars.length !== 7 && chars.length !== 8) return fail('plate_length', `must be 7 characters (8 for new-energy vehicles), got ${chars.length}`)
  if (!provinces.includes(chars[0]!)) return fail('plate_province', `'${chars[0]}' is not a province abbreviation`)
  if (/[IO]/.test(plate)) return fail('plate_character', 'the letters I and O are never used on plates')
  if (chars.length === 8) return fail('plate_energy_letter', 'a new-energy plate has D, A, B, C or E (pure electric) or F, G, H, J or K (other) at position 3 or 8')
  return fail('plate_character', 'characters 2–7 are not a valid serial')
}

/**
 * Plate prefixes of the cities in service (configurable: issuing authorities add letters).
 * Chongqing's several letters share one municipality.
 */
export const platePrefixes: Record<string, string[]> = {
  440100: ['粤A'],
  350200: ['闽D'],
  320600: ['苏F'],
  500000: ['渝A', '渝B', '渝C', '渝D', '渝F', '渝G', '渝H']
}
