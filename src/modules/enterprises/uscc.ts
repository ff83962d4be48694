// GB 32100-2015 Unified Social Credit Code, and the GB 11714 organisation code embedded in it.

const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2]

export type UsccFailure =
  | { code: 'uscc_length', message: string }
  | { code: 'uscc_character', message: string, position: number }
  | { code: 'uscc_check_character', message: string, expected: string }

export interface UsccResult {
  /** The code in canonical (upper-case) form. */
  uscc: string
  failure?: UsccFailure
  /** The embedded organisation code fails its own check: real codes pass, so worth a look. */
  organisationCodeMismatch?: { expected: string, actual: string }
}

/** The GB 32100 check character for the first 17 characters (all from the alphabet). */
export function usccCheckCharacter (first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += alphabet.indexOf(first17[i]!) * weights[i]!
  const check = 31 - (sum % 31)
  return alphabet[check === 31 ? 0 : check]!
}

/** The GB 11714 check character for an 8-character organisation code body, or undefined if it has no such form. */
export function organisationCodeCheck (body: string): string | undefined {
  let sum = 0
  for (let i = 0; i < 8; i++) {
    const c = body[i]!
    const value = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c >= 'A' && c <= 'Z' ? c.charCodeAt(0) - 55 : -1
    if (value < 0) return undefined
    sum += value * orgWeights[i]!
  }
  const check = 11 - (sum % 11)
  return check === 10 ? 'X' : check === 11 ? '0' : String(check)
}

export function checkUscc (input: string): UsccResult {
  const uscc = input.trim().toUpperCase()
  if (uscc.length !== 18) {
    return { uscc, failure: { code: 'uscc_length', message: `must be 18 characters, got ${uscc.length}` } }
  }
  for (let i = 0; i < 18; i++) {
    if (!alphabet.includes(uscc[i]!)) {
      return { uscc, failure: { code: 'uscc_character', position: i + 1, message: `character ${i + 1} '${uscc[i]}' is not allowed (I, O, S, V and Z are never used)` } }
    }
  }
  const expected = usccCheckCharacter(uscc.slice(0, 17))
  if (uscc[17] !== expected) {
    return { uscc, failure: { code: 'uscc_check_character', expected, message: `check character is ${uscc[17]} but the first 17 characters give ${expected}` } }
  }
  const orgExpected = organisationCodeCheck(uscc.slice(8, 16))
  if (orgExpected !== undefined && orgExpected !== uscc[16]) {
    return { uscc, organisationCodeMismatch: { expected: orgExpected, actual: uscc[16]! } }
  }
  return { uscc }
}
