import fp from 'fastify-plugin'
import { buildRegistry, type JurisdictionRegistry } from './registry.js'
import { jurisdictions } from './table.js'
import { ProblemError, type ProblemDetail } from '../../lib/problems.js'
import type { WarningApi } from '../../lib/schemas.js'

declare module 'fastify' {
  interface FastifyInstance {
    jurisdictions: JurisdictionRegistry
  }
}

/** Loads the GB/T 2260 register once the migrations that hold it have run. */
export default fp(async function jurisdictionRegistry (app) {
  app.decorate('jurisdictions', buildRegistry(await app.db.select().from(jurisdictions)))
}, { name: 'jurisdiction-registry', fastify: '5.x', dependencies: ['database'] })

export function unknownJurisdiction (code: string, where: ProblemDetail['in'], pointer: string): ProblemError {
  const message = `${code} is not a known GB/T 2260 division (see GET /v1/public/jurisdictions)`
  return new ProblemError('unknown_jurisdiction', message, { errors: [{ in: where, pointer, code: 'unknown_jurisdiction', message }] })
}

/** A division and everything under it, for a filter; an unknown code is refused. */
export function subtreeOf (registry: JurisdictionRegistry, code: string, where: ProblemDetail['in'], pointer: string): string[] {
  const codes = registry.subtree(code)
  if (codes.length === 0) throw unknownJurisdiction(code, where, pointer)
  return codes
}

/**
 * The codes in force for the codes a client sent: unknown codes are refused; abolished ones are
 * replaced by their successors and reported back as warnings.
 */
export function resolveJurisdictions (registry: JurisdictionRegistry, codes: string[], pointer: string) {
  const resolved: string[] = []
  const warnings: WarningApi[] = []
  codes.forEach((code, i) => {
    const found = registry.current(code)
    const at = codes.length === 1 && !pointer.endsWith('s') ? pointer : `${pointer}/${i}`
    if (!found) throw unknownJurisdiction(code, 'body', at)
    if (found.code !== code) {
      warnings.push({ code: 'jurisdiction_superseded', pointer: at, message: `${code} was abolished; recorded as its successor ${found.code} (${found.nameZh})` })
    }
    if (!resolved.includes(found.code)) resolved.push(found.code)
  })
  return { codes: resolved, warnings }
}
