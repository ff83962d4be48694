// Fixed-window request counting per bucket (an API key, or an address for anonymous callers).
// In memory, per instance: with N replicas a caller gets at most N times the limit.

export interface RateLimiter {
  /** Counts one request; answers how many remain, or the seconds to wait when none do. */
  hit: (bucket: string, limit: number) => { allowed: boolean, remaining: number, resetSeconds: number }
}

export function fixedWindow (windowMs: number, now: () => number = Date.now): RateLimiter {
  let windowStart = now()
  let counts = new Map<string, number>()
  return {
    hit (bucket, limit) {
      const t = now()
      if (t - windowStart >= windowMs) {
        windowStart = t - ((t - windowStart) % windowMs)
        counts = new Map()
      }
      const used = (counts.get(bucket) ?? 0) + 1
      counts.set(bucket, used)
      const resetSeconds = Math.max(1, Math.ceil((windowStart + windowMs - t) / 1000))
      return { allowed: used <= limit, remaining: Math.max(0, limit - used), resetSeconds }
    }
  }
}
