import { eq } from 'drizzle-orm'
import type { Principal } from '../../auth/principal.js'
import type { Database } from '../../db/client.js'
import { fieldFailure, ProblemError, type ProblemCode, type ProblemDetail } from '../../lib/problems.js'
import { enterprises } from '../enterprises/table.js'
import { cityOf } from '../jurisdictions/cities.js'
import type { Jurisdiction, JurisdictionRegistry } from '../jurisdictions/registry.js'
import { checkEach, type ParsedLine } from './engine.js'
import type { ImportContext, LineError } from './resource.js'

// What the imports of a platform's own data (its roster, its orders) share: only a platform sends
// them, they name no enterprise, and each line is checked against where the platform operates.

/**
 * Only a platform submits its own data (what it sends names no enterprise, so none other can be
 * named), and only one registered for the sector the data is of: a bike-share operator's key
 * sends no ride-hailing orders.
 */
export function platformsOnly (what: string, sector: string): (who: Principal, db: Database) => Promise<void> {
  return async (who, db) => {
    if (who.role !== 'platform' || !who.enterpriseId) throw new ProblemError('forbidden', `Only a platform’s key submits its ${what} (they are the platform’s own: a line names no enterprise)`)
    const [enterprise] = await db.select({ sectors: enterprises.sectors }).from(enterprises).where(eq(enterprises.id, who.enterpriseId))
    if (!enterprise?.sectors.includes(sector)) {
      throw new ProblemError('forbidden', `Your enterprise is registered for ${enterprise?.sectors.join(', ') || 'no sector'}, not ${sector}: only a ${sector.replace('_', '-')} platform submits ${what}`)
    }
  }
}

/** What a platform's line is checked with: the divisions the platform is registered as operating in, and the rest. */
export interface PlatformRules { registry: JurisdictionRegistry, operatingIn: string[], hashId: (id: string) => string, now: Date }

/** The city a platform's line names (a district's code is read as its city), if the platform is registered as operating there. */
export function platformCity (code: string, rules: PlatformRules): { city: Jurisdiction, failure?: undefined } | { failure: { code: ProblemCode, errors: ProblemDetail[] } } {
  const fail = (problem: ProblemCode, message: string) => fieldFailure(problem, '/jurisdictionCode', problem === 'jurisdiction_not_a_city' ? 'not_a_city' : problem, message)
  if (!rules.registry.get(code)) return fail('unknown_jurisdiction', `${code} is not a known GB/T 2260 division (see GET /v1/public/jurisdictions)`)
  const city = cityOf(rules.registry, code)
  if (!city) return fail('jurisdiction_not_a_city', `${code} is a province: give a city, or one of its districts`)
  const area = rules.registry.subtree(city.code)
  if (!rules.operatingIn.some((c) => area.includes(c) || rules.registry.subtree(c).includes(city.code))) {
    return fail('not_operating_here', `your enterprise is not registered as operating in ${city.code} (${city.nameZh}); its registration lists ${rules.operatingIn.join(', ')}`)
  }
  return { city }
}

/** A function of a string that remembers its last answers, at most `kept` of them (then it starts again). */
export function remembering (fn: (value: string) => string, kept: number): (value: string) => string {
  const answers = new Map<string, string>()
  return (value) => {
    let answer = answers.get(value)
    if (answer === undefined) {
      if (answers.size >= kept) answers.clear()
      answers.set(value, answer = fn(value))
    }
    return answer
  }
}

/**
 * The rules a platform's lines are checked by, as of now; where the platform operates is read once
 * per import. A driver's ID number comes back order after order, and its keyed hash cost more than
 * the rest of the order's check: each is hashed once a run (up to 50,000 of them, some 10 MB), in
 * the run's own memory, gone with it.
 */
export function platformRules (ctx: ImportContext): () => Promise<PlatformRules> {
  let operatingIn: Promise<string[]> | undefined
  const hashId = remembering(ctx.hashPersonal, 50_000)
  return async () => {
    operatingIn ??= ctx.db.select({ codes: enterprises.jurisdictionCodes }).from(enterprises).where(eq(enterprises.id, ctx.principal.enterpriseId!)).then(([e]) => e?.codes ?? [])
    return { registry: ctx.registry, operatingIn: await operatingIn, hashId, now: new Date() }
  }
}

/** A batch check for a platform's lines by a rule of one line. */
export function platformLines<Input, Row> (ctx: ImportContext, rule: (input: Input, rules: PlatformRules) => { failure: Omit<LineError, 'line'> } | { failure?: undefined, row: Row }) {
  const rulesNow = platformRules(ctx)
  return async (lines: Array<ParsedLine<Input>>) => {
    const rules = await rulesNow()
    return checkEach(lines, (input) => rule(input, rules))
  }
}
