import { randomBytes } from 'node:crypto'

// Random bytes drawn 4 KiB at a time: one call into the CSPRNG per 256 ids, not one per id (an
// import makes millions).
let pool = Buffer.alloc(0)
let used = 0

/** RFC 9562 UUIDv7: time-ordered, so keyset pages follow creation order. */
export function uuidv7 (now = Date.now()): string {
  if (used + 16 > pool.length) {
    pool = randomBytes(4096)
    used = 0
  }
  const bytes = pool.subarray(used, used += 16)
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
