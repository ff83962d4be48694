import type { FastifyReply, FastifyRequest } from 'fastify'
import { ProblemError } from './problems.js'

// Optimistic concurrency: a versioned resource's ETag is its version number, quoted.

export function etagOf (version: number): string {
  return `"${version}"`
}

function listedTags (header: string): string[] {
  return header.split(',').map((t) => t.trim()).filter(Boolean)
}

/** True when the client already holds this representation (If-None-Match, weak comparison). */
export function notModified (request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match']
  if (typeof header !== 'string') return false
  return listedTags(header).some((t) => t === '*' || t.replace(/^W\//, '') === etag)
}

/**
 * The version the client says it last read. Missing If-Match is 428; one that names no version
 * of ours, or a weak tag (not allowed for If-Match), can never match and is 412.
 */
export function expectedVersion (request: FastifyRequest): number | '*' {
  const header = request.headers['if-match']
  if (typeof header !== 'string' || header.trim() === '') throw ifMatchRequired()
  const tags = listedTags(header)
  if (tags.includes('*')) return '*'
  for (const tag of tags) {
    const match = /^"([1-9][0-9]{0,9})"$/.exec(tag)
    if (match) return Number(match[1])
  }
  const unquoted = tags.find((tag) => /^[1-9][0-9]{0,9}$/.test(tag))
  throw new ProblemError('precondition_failed', unquoted
    ? `An ETag is quoted: send If-Match: "${unquoted}", exactly as the ETag header gave it`
    : `If-Match ${header} does not name a current version of this resource`, {
    errors: [{ in: 'header', pointer: '/if-match', code: unquoted ? 'etag_not_quoted' : 'no_such_version', message: unquoted ? `quote it: "${unquoted}"` : 'names no version of this resource' }]
  })
}

/** The answer to a change sent without If-Match (its schema requires the header; this is how it is refused). */
export function ifMatchRequired (): ProblemError {
  return new ProblemError('precondition_required', 'Send If-Match with the ETag from your last read of this resource', {
    errors: [{ in: 'header', pointer: '/if-match', code: 'required', message: 'send the ETag of your last read, e.g. If-Match: "3"' }]
  })
}

export function stale (current: number): ProblemError {
  return new ProblemError('precondition_failed', `The resource has changed; its current ETag is ${etagOf(current)}. Read it again and reapply your change`, {
    errors: [{ in: 'header', pointer: '/if-match', code: 'stale', message: `the current ETag is ${etagOf(current)}` }]
  })
}

/** Answers a read with its ETag, or 304 when the client's If-None-Match is current. */
export function sendWithEtag<T> (request: FastifyRequest, reply: FastifyReply, etag: string, body: () => T) {
  reply.header('etag', etag)
  if (notModified(request, etag)) return reply.code(304).send()
  return reply.send(body())
}
