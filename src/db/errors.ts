// Classifies driver errors, unwrapping drizzle's DrizzleQueryError (the driver error is its cause).

const unavailableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now
  '57014', // statement timeout
  '53300', // too many connections
  '08000', '08001', '08003', '08004', '08006'
])

const unavailableMessages = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'connection is closed'
]

function causes (err: unknown): Array<{ code?: string, message?: string, constraint?: string }> {
  const chain = []
  let current = err as { cause?: unknown } | undefined
  for (let depth = 0; current && depth < 5; depth++) {
    chain.push(current as { code?: string, message?: string, constraint?: string })
    current = current.cause as { cause?: unknown } | undefined
  }
  return chain
}

/** The database is down, restarting, overloaded or hung: the client should retry later. */
export function isDatabaseUnavailable (err: unknown): boolean {
  return causes(err).some((e) =>
    (typeof e.code === 'string' && unavailableCodes.has(e.code)) ||
    (typeof e.message === 'string' && unavailableMessages.some((m) => e.message!.includes(m))))
}

/** The name of the unique constraint the write broke, if that is what happened. */
export function uniqueViolation (err: unknown): string | undefined {
  const hit = causes(err).find((e) => e.code === '23505')
  return hit ? (hit.constraint ?? 'unknown') : undefined
}

/**
 * PostgreSQL refused a value (SQLSTATE class 22: a NUL character in text, a date out of range, a
 * malformed uuid). Input that passed validation and still cannot be stored is the client's to fix.
 */
export function isRefusedValue (err: unknown): boolean {
  return causes(err).some((e) => typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code))
}

/**
 * A database error as a log line may show it. Drizzle writes every query parameter into its
 * message (a batch of driver ID hashes and masked numbers), and PostgreSQL's detail quotes the
 * failing row: pino's redaction cannot reach inside a message, so they are left out here.
 */
export function withoutQueryValues (err: unknown): unknown {
  if (!(err instanceof Error)) return err
  const { params, query, detail, where, ...rest } = err as Error & Record<string, unknown>
  if (params === undefined && detail === undefined && where === undefined && err.cause === undefined) return err
  const message = params === undefined ? err.message : `Failed query: ${String(query)} (parameters not logged)`
  const stack = err.stack ?? ''
  const frames = stack.indexOf('\n    at ')
  return Object.assign(new Error(message), rest, {
    name: err.name,
    ...(query === undefined ? {} : { query }),
    stack: `${err.name}: ${message}${frames >= 0 ? stack.slice(frames) : ''}`,
    cause: withoutQueryValues(err.cause)
  })
}
