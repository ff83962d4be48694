import type { enterpriseStatuses } from './table.js'

export type EnterpriseStatus = typeof enterpriseStatuses[number]

// Suspension can be lifted; exit is final (a returning platform registers anew).
const allowed: Record<EnterpriseStatus, EnterpriseStatus[]> = {
  active: ['suspended', 'exited'],
  suspended: ['active', 'exited'],
  exited: []
}

export function canChangeStatus (from: EnterpriseStatus, to: EnterpriseStatus): boolean {
  return allowed[from].includes(to)
}

export function allowedNextStatuses (from: EnterpriseStatus): EnterpriseStatus[] {
  return allowed[from]
}
