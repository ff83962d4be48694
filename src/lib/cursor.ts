import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto'
import { canonicalJson, sha256 } from './canonical.js'
import { ProblemError } from './problems.js'

// Opaque keyset cursors. Each is signed and bound to its list and filters, so a forged cursor,
// or one from another list or other filters, is refused instead of silently paging wrong.

interface CursorBody { l: string, f: string, k: string[] }

export interface Cursors {
  encode: (list: string, filters: object, key: string[]) => string
  /** The key a cursor holds; `parameter` names the query parameter it came in, for the problem's pointer. */
  decode: (list: string, filters: object, cursor: string | undefined, parameter?: string) => string[] | undefined
}

function invalid (detail: string, parameter: string): ProblemError {
  return new ProblemError('invalid_cursor', detail, {
    errors: [{ in: 'query', pointer: `/${parameter}`, code: 'invalid_cursor', message: detail }]
  })
}

export function cursorCodec (secret: string): Cursors {
  const key = createSecretKey(Buffer.from(secret))
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest().subarray(0, 16)
  // Lists are paged with the same few filters over and over: their hashes are remembered (a few
  // hundred, by the filters as sent; any key order gives the same hash, so only a miss costs).
  const hashes = new Map<string, string>()
  const filterHash = (filters: object) => {
    const sent = JSON.stringify(filters)
    let hash = hashes.get(sent)
    if (hash === undefined) {
      hash = sha256(canonicalJson(filters)).slice(0, 16)
      if (hashes.size >= 500) hashes.delete(hashes.keys().next().value!)
      hashes.set(sent, hash)
    }
    return hash
  }
  return {
    encode (list, filters, key) {
      const payload = Buffer.from(JSON.stringify({ l: list, f: filterHash(filters), k: key } satisfies CursorBody)).toString('base64url')
      return `${payload}.${mac(payload).toString('base64url')}`
    },
    decode (list, filters, cursor, parameter = 'cursor') {
      if (cursor === undefined) return undefined
      const [payload, signature, extra] = cursor.split('.')
      if (!payload || !signature || extra !== undefined) throw invalid('The cursor is malformed; pass nextCursor exactly as received', parameter)
      const given = Buffer.from(signature, 'base64url')
      const expected = mac(payload)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw invalid('The cursor was not issued by this service; pass nextCursor exactly as received', parameter)
      }
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorBody
      if (body.l !== list) throw invalid(`The cursor belongs to another list (${body.l})`, parameter)
      if (body.f !== filterHash(filters)) throw invalid('The cursor was issued for other filters; repeat the same filters when paging', parameter)
      return body.k
    }
  }
}
