import fp from 'fastify-plugin'
import { eq, sql } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { publicPrincipal, type Principal, type Role } from '../auth/principal.js'
import { parseKey, secretMatches } from '../auth/keys.js'
import { ProblemError } from '../lib/problems.js'
import { fixedWindow } from '../lib/rate-limit.js'
import { agencies } from '../modules/agencies/table.js'
import { apiKeys } from '../modules/api-keys/table.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every /v1 route with the roles it admits, as enforced: the route table tests check. */
    accessRules: Array<{ method: string, url: string, access: readonly Role[] }>
    /** Drops this instance's cached key lookups: call once a revocation or an agency change has committed. */
    forgetApiKeys: () => void
  }
  interface FastifyContextConfig {
    /** Roles that may call the route; every route under /v1 must say. */
    access?: readonly Role[]
  }
  interface FastifyRequest {
    principal: Principal
  }
}

const queryCredentials = /[?&](api[_-]?key|access[_-]?token|token|key|authorization)=/i
const lastUseInterval = 60_000
// A key's row is reused for this long, sparing every request a round trip for it. A change made
// here (revocation, an agency's new jurisdiction) clears it at once; one made by another replica
// or by `npm run keys` bites within this bound. Expiry is checked against the clock every time.
const keyCacheMs = 1000
// Only keys that exist are kept (at most this many), so guessing prefixes cannot grow it.
const keyCacheSize = 10_000

/**
 * Resolves the caller from `Authorization: Bearer <key>` and enforces each route's `access` rule
 * before anything else runs. A /v1 route that declares no rule stops the app from starting.
 */
export interface AuthOptions {
  /** Requests a minute per API key, and per address for callers without one (and failed keys). */
  keyedPerMinute: number
  anonymousPerMinute: number
}

export default fp<AuthOptions>(async function auth (app, opts) {
  const lastUseWritten = new Map<string, number>()
  const limiter = fixedWindow(60_000)

  /** Counts the request against its bucket; past the limit, 429 with Retry-After. */
  function throttle (request: FastifyRequest, reply: FastifyReply, bucket: string, limit: number) {
    const { allowed, remaining, resetSeconds } = limiter.hit(bucket, limit)
    reply.header('ratelimit-limit', String(limit)).header('ratelimit-remaining', String(remaining)).header('ratelimit-reset', String(resetSeconds))
    if (!allowed) throw new ProblemError('rate_limited', `More than ${limit} requests a minute; retry in ${resetSeconds} s`, { retryAfterSeconds: resetSeconds })
  }

  // Fastify decorations may not be objects; every request gets its principal first thing in onRequest.
  app.decorateRequest('principal', null as unknown as Principal)

  const accessRules: FastifyInstance['accessRules'] = []
  app.decorate('accessRules', accessRules)
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1')) return
    const access = route.config?.access
    if (!access) throw new Error(`${String(route.method)} ${route.url} declares no access rule (config.access)`)
    for (const method of [route.method].flat()) accessRules.push({ method, url: route.url, access })
  })

  // Prepared once, parsed once per connection; run at most once a second per key (see keyCacheMs).
  const keyByPrefix = app.db.select({ key: apiKeys, agencyJurisdiction: agencies.jurisdictionCode, agencyKind: agencies.kind })
    .from(apiKeys).leftJoin(agencies, eq(agencies.id, apiKeys.agencyId))
    .where(eq(apiKeys.prefix, sql.placeholder('prefix')))
    .prepare('api_key_by_prefix')

  type KeyRow = Awaited<ReturnType<typeof keyByPrefix.execute>>[number]
  // The row as read and the principal it makes, both reused until `until`.
  const cachedKeys = new Map<string, { row: KeyRow, principal: Principal, until: number }>()
  // Bumped by every forget, so that a lookup which read the row before a revocation committed is not kept after it.
  let generation = 0
  app.decorate('forgetApiKeys', () => {
    generation++
    cachedKeys.clear()
  })

  async function lookUp (prefix: string, now: number) {
    const cached = cachedKeys.get(prefix)
    if (cached && cached.until > now) return cached
    const readIn = generation
    const [row] = await keyByPrefix.execute({ prefix })
    if (!row) return undefined
    const key = row.key
    const principal: Principal = Object.freeze({
      role: key.role,
      keyId: key.id,
      agencyId: key.agencyId,
      agencyKind: row.agencyKind,
      enterpriseId: key.enterpriseId,
      jurisdictionCodes: row.agencyJurisdiction ? app.jurisdictions.subtree(row.agencyJurisdiction) : []
    })
    const entry = { row, principal, until: now + keyCacheMs }
    if (readIn !== generation) return entry
    if (cachedKeys.size >= keyCacheSize) cachedKeys.clear()
    cachedKeys.set(prefix, entry)
    return entry
  }

  async function authenticate (request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization
    if (header === undefined) return publicPrincipal
    const token = /^Bearer ([!-~]{1,200})$/.exec(header)?.[1]
    if (!token) throw new ProblemError('invalid_api_key', 'Send the key as `Authorization: Bearer <key>`')
    const parsed = parseKey(token)
    const now = Date.now()
    const found = parsed ? await lookUp(parsed.prefix, now) : undefined
    // The secret is compared on every request, cached row or not.
    if (!secretMatches(parsed?.secret ?? '', found?.row.key.secretHash)) throw new ProblemError('invalid_api_key', 'The API key is not valid')
    const key = found!.row.key
    if (key.revokedAt) throw new ProblemError('api_key_revoked', `The API key ${key.prefix} was revoked at ${key.revokedAt.toISOString()}`)
    if (key.expiresAt && key.expiresAt.getTime() <= now) throw new ProblemError('api_key_expired', `The API key ${key.prefix} expired at ${key.expiresAt.toISOString()}`)
    noteUse(key.id, now)
    return found!.principal
  }

  // Last use is recorded at most once a minute per key, off the request's path.
  function noteUse (keyId: string, now: number) {
    if ((lastUseWritten.get(keyId) ?? 0) > now - lastUseInterval) return
    lastUseWritten.set(keyId, now)
    app.db.update(apiKeys).set({ lastUsedAt: new Date(now) }).where(eq(apiKeys.id, keyId))
      .catch((err: unknown) => app.log.warn({ err }, 'could not record key use'))
  }

  app.addHook('onRequest', async (request, reply) => {
    request.principal = publicPrincipal
    const access = request.routeOptions.config.access
    // Health checks, metrics and the docs are not throttled: probes must never be refused.
    const limited = access !== undefined
    const address = `address:${request.ip}`
    if (request.headers.authorization === undefined) {
      if (limited) throttle(request, reply, address, opts.anonymousPerMinute)
    } else {
      try {
        request.principal = await authenticate(request)
      } catch (err) {
        // A wrong key counts against the address, so guessing keys is throttled like anonymity.
        if (limited) throttle(request, reply, address, opts.anonymousPerMinute)
        throw err
      }
      if (limited) throttle(request, reply, `key:${request.principal.keyId}`, opts.keyedPerMinute)
    }
    // After the throttle, so that this answer too carries the rate-limit headers of every /v1 answer.
    if (queryCredentials.test(request.url)) {
      throw new ProblemError('credentials_in_query', 'Never put a key in a URL (it ends up in logs and histories); send Authorization: Bearer <key>', {
        errors: [{ in: 'query', pointer: '/' + (queryCredentials.exec(request.url)?.[1] ?? 'key'), code: 'credentials_in_query', message: 'credentials are not accepted in the query string' }]
      })
    }
    if (!access || access.includes(request.principal.role)) return
    if (request.principal.role === 'public') throw new ProblemError('unauthenticated', 'This route needs an API key: send Authorization: Bearer <key>')
    throw new ProblemError('forbidden', `A ${request.principal.role} key may not ${request.method} ${request.routeOptions.url}; allowed: ${access.join(', ')}`)
  })
}, { name: 'auth', fastify: '5.x', dependencies: ['database', 'jurisdiction-registry'] })
