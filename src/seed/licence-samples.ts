import { residentIdCheckDigit, vinCheckDigit } from '../modules/licences/identifiers.js'

// Valid identifiers made from a serial number: for the demo data, the tests and the benchmark.
// Deterministic, so a demo register looks the same on every machine.

const vinAlphabet = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ'

/** A VIN with a correct check digit, unique per serial (up to 33^8). */
export function sampleVin (serial: number, maker = 'LSV'): string {
  let tail = ''
  for (let n = serial, i = 0; i < 8; i++, n = Math.floor(n / vinAlphabet.length)) tail = vinAlphabet[n % vinAlphabet.length] + tail
  const draft = `${maker}AB12C0${tail}`
  return draft.slice(0, 8) + vinCheckDigit(draft) + draft.slice(9)
}

const plateLetters = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
const plateCharacters = '0123456789' + plateLetters

/**
 * A plate of the given prefix (e.g. 粤A), unique per serial: five digits below 100,000, then a
 * letter and four characters (up to 100,000 + 24 × 34^4, some 32 million); or, for a new-energy
 * vehicle, D and five digits.
 */
export function samplePlate (prefix: string, serial: number, newEnergy = false): string {
  if (newEnergy || serial < 100_000) return `${prefix}${newEnergy ? 'D' : ''}${String(serial % 100_000).padStart(5, '0')}`
  let n = serial - 100_000
  let tail = ''
  for (let i = 0; i < 4; i++, n = Math.floor(n / plateCharacters.length)) tail = plateCharacters[n % plateCharacters.length] + tail
  return `${prefix}${plateLetters[n % plateLetters.length]}${tail}`
}

/** A resident ID number registered in `region`, born on `birth` (YYYYMMDD), with its check digit. */
export function sampleResidentId (region: string, birth: string, serial: number): string {
  const first17 = `${region}${birth}${String(serial % 1000).padStart(3, '0')}`
  return first17 + residentIdCheckDigit(first17)
}

/** A simple deterministic generator (mulberry32), so demo data is the same everywhere. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
