import type { JurisdictionRow } from './table.js'

// The GB/T 2260 register in memory: reference data changed only by migrations, read on every
// enterprise and agency write and filter, so it is loaded once at start-up.

export interface Jurisdiction {
  code: string
  nameZh: string
  nameEn: string
  level: JurisdictionRow['level']
  parentCode: string | null
  status: 'current' | 'abolished'
  effectiveFrom: string | null
  effectiveTo: string | null
  successorCode: string | null
  predecessorCodes: string[]
  timeZone: string
}

export interface JurisdictionRegistry {
  all: Jurisdiction[]
  get: (code: string) => Jurisdiction | undefined
  /** Follows successor links from an abolished code to the code in force today. */
  current: (code: string) => Jurisdiction | undefined
  /** The code, everything under it, and the abolished codes merged into any of them. */
  subtree: (code: string) => string[]
}

export function buildRegistry (rows: JurisdictionRow[]): JurisdictionRegistry {
  const byCode = new Map<string, Jurisdiction>()
  for (const row of rows) {
    byCode.set(row.code, {
      code: row.code,
      nameZh: row.nameZh,
      nameEn: row.nameEn,
      level: row.level,
      parentCode: row.parentCode,
      status: row.effectiveTo ? 'abolished' : 'current',
      effectiveFrom: row.effectiveFrom,
      effectiveTo: row.effectiveTo,
      successorCode: row.successorCode,
      predecessorCodes: [],
      timeZone: row.timeZone
    })
  }
  const children = new Map<string, string[]>()
  for (const j of byCode.values()) {
    if (j.successorCode) byCode.get(j.successorCode)?.predecessorCodes.push(j.code)
    if (j.parentCode && j.status === 'current') children.set(j.parentCode, [...(children.get(j.parentCode) ?? []), j.code])
  }
  const all = [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code))
  for (const j of all) j.predecessorCodes.sort()

  const current = (code: string): Jurisdiction | undefined => {
    let found = byCode.get(code)
    for (let hops = 0; found?.successorCode && hops < 10; hops++) found = byCode.get(found.successorCode)
    return found
  }
  const subtrees = new Map<string, string[]>()
  const subtree = (code: string): string[] => {
    let codes = subtrees.get(code)
    if (codes) return codes
    codes = collect(code)
    // Only known codes are kept, so the cache is bounded by the register, not by what clients send.
    if (codes.length) subtrees.set(code, codes)
    return codes
  }
  const collect = (code: string): string[] => {
    const start = current(code)
    if (!start) return []
    const codes = new Set<string>()
    const visit = (c: string) => {
      if (codes.has(c)) return
      codes.add(c)
      for (const old of byCode.get(c)?.predecessorCodes ?? []) visit(old)
      for (const child of children.get(c) ?? []) visit(child)
    }
    visit(start.code)
    return [...codes].sort()
  }
  return { all, get: (code) => byCode.get(code), current, subtree }
}
