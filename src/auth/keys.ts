import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// Key format: poa_<12-char prefix>_<43-char secret>. The prefix finds the row and may be shown
// and logged; the secret is stored only as its SHA-256 (256 random bits need no slow hash).

const format = /^poa_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/
const prefixAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'

export function generateKey (): { key: string, prefix: string, secretHash: string } {
  const bytes = randomBytes(12)
  const prefix = Array.from(bytes, (b) => prefixAlphabet[b % prefixAlphabet.length]).join('')
  const secret = randomBytes(32).toString('base64url')
  return { key: `poa_${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) }
}

export function hashSecret (secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export function parseKey (key: string): { prefix: string, secret: string } | undefined {
  const match = format.exec(key)
  return match ? { prefix: match[1]!, secret: match[2]! } : undefined
}

const dummyHash = hashSecret('no such key')

/** Compares in constant time; with no stored hash, compares against a dummy so timing says nothing. */
export function secretMatches (secret: string, storedHash: string | undefined): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex')
  const stored = Buffer.from(storedHash ?? dummyHash, 'hex')
  return timingSafeEqual(given, stored) && storedHash !== undefined
}
