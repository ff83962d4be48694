/**
 * A mistake in how the service is started (its configuration, its database, another process on
 * the same data), told to whoever runs it in one sentence that says what to do: the commands print
 * its message alone and exit 1, where any other error is a bug and keeps its stack trace.
 */
export class OperatorError extends Error {
  override name = 'OperatorError'
}

/** The one line an operator reads for `err` (found through any wrapping `cause`), or undefined when it is not their mistake. */
export function operatorMessage (err: unknown): string | undefined {
  for (let current = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof OperatorError) return current.message
  }
  return undefined
}
