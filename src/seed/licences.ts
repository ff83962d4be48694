import type { Database } from '../db/client.js'
import type { AgencyApi } from '../modules/agencies/schemas.js'
import type { EnterpriseApi } from '../modules/enterprises/schemas.js'
import { platePrefixes } from '../modules/licences/identifiers.js'
import { addDays, dateIn, type TransitionAction } from '../modules/licences/lifecycle.js'
import { checkLicence } from '../modules/licences/rules.js'
import type { IssueLicence } from '../modules/licences/schemas.js'
import { insertLicences, transitionLicence, type LicenceContext } from '../modules/licences/service.js'
import { sampleResidentId, samplePlate, sampleVin, seededRandom } from './licence-samples.js'

// The demo register: each city's permits and filings, and some hundreds of vehicle and driver
// certificates per city, a few expired, expiring soon, suspended or revoked, so every filter and
// every state shows something on first start. Dates are relative to the day it is loaded.

const perCity = 600
const districtsOf: Record<string, string> = { 440100: '440106', 350200: '350203', 320600: '320612', 500000: '500103' }

/** A driver certificate; one in three numbered with the driver's ID number, as many cities number them. */
function driverCertificate (fields: Omit<Extract<IssueLicence, { type: 'driver_certificate' }>, 'type' | 'number' | 'idNumber'>, serial: string, idNumber: string, n: number): IssueLicence {
  return { ...fields, type: 'driver_certificate', number: n % 3 === 0 ? idNumber : serial, idNumber }
}

/** What the demo register holds, for the rosters and orders made from it. */
export interface SeededRegister { count: number, certificates: IssueLicence[] }

export async function seedLicences (tx: Database, agencies: AgencyApi[], enterprises: EnterpriseApi[], ctx: LicenceContext): Promise<SeededRegister> {
  const random = seededRandom(20261123)
  const today = dateIn('Asia/Shanghai')
  const inputs: IssueLicence[] = []
  const changes: Array<{ index: number, action: TransitionAction, reason: string }> = []
  let serial = 0
  for (const [city, district] of Object.entries(districtsOf)) {
    const bureau = agencies.find((a) => a.kind === 'transport' && a.jurisdictionCode === city)!
    const area = ctx.jurisdictions.subtree(city)
    const local = enterprises.filter((e) => e.status !== 'exited' && e.jurisdictionCodes.some((code) => area.includes(code)))
    const fleets = local.filter((e) => e.sectors.includes('ride_hailing'))
    const common = { jurisdictionCode: city, issuingAgencyId: bureau.id }
    for (const e of local) {
      if (e.sectors.includes('ride_hailing')) inputs.push({ ...common, type: 'platform_permit', number: `${city}网约许${String(++serial).padStart(5, '0')}`, enterpriseId: e.id, validFrom: addDays(today, -900), validUntil: addDays(today, 900) })
      if (e.sectors.includes('car_share')) inputs.push({ ...common, type: 'car_share_filing', number: `${city}分时备${String(++serial).padStart(5, '0')}`, enterpriseId: e.id, validFrom: addDays(today, -400), validUntil: addDays(today, 1400) })
    }
    const prefix = platePrefixes[city]![0]!
    for (let i = 0; i < perCity; i++) {
      const n = ++serial
      const fleet = fleets[i % fleets.length]!
      // Most in force; about 6% expired, 5% expiring within 30 days.
      const roll = random()
      const validUntil = roll < 0.06 ? addDays(today, -1 - Math.floor(random() * 200)) : roll < 0.11 ? addDays(today, Math.floor(random() * 30)) : addDays(today, 60 + Math.floor(random() * 1500))
      const validFrom = addDays(validUntil, -365 * 4)
      const vehicle = i % 2 === 0
      inputs.push(vehicle
        ? { ...common, type: 'vehicle_certificate', number: `${city}运${String(n).padStart(7, '0')}`, enterpriseId: fleet.id, validFrom, validUntil, plate: samplePlate(prefix, n, random() < 0.3), plateColour: 'blue', vin: sampleVin(n) }
        : driverCertificate({ ...common, enterpriseId: fleet.id, validFrom, validUntil }, `${city}驾${String(n).padStart(7, '0')}`, sampleResidentId(district, `19${60 + Math.floor(random() * 40)}0${1 + Math.floor(random() * 9)}1${Math.floor(random() * 9)}`, n), n))
      const last = inputs.at(-1)!
      if (last.type === 'vehicle_certificate' && last.plate!.length === 8) last.plateColour = 'green'
      const fate = random()
      if (fate < 0.03) changes.push({ index: inputs.length - 1, action: 'suspend', reason: '未按规定参加年度审验 (missed the annual review)' })
      else if (fate < 0.05) changes.push({ index: inputs.length - 1, action: 'revoke', reason: '以欺骗手段取得许可 (obtained by deception)' })
    }
  }
  const rules = { registry: ctx.jurisdictions, principal: ctx.principal, agency: (id: string) => agencies.find((a) => a.id === id), enterprise: (id: string) => enterprises.find((e) => e.id === id), hashId: ctx.hashId, now: new Date() }
  const rows = inputs.map((input, line) => {
    const checked = checkLicence(input, rules)
    if (checked.failure) throw new Error(`demo licence ${input.number} breaks a rule: ${JSON.stringify(checked.failure)}`)
    return { ...checked.values, line: line + 1 }
  })
  const landed = await insertLicences(tx, rows, { keyId: null, importId: null })
  const ids = new Map(landed.map((r) => [r.line, r.id]))
  for (const change of changes) await transitionLicence(tx, ids.get(change.index + 1)!, '*', { action: change.action, reason: change.reason }, ctx)
  ctx.audit({ action: 'licence.seeded', entityType: 'licence', entityId: landed[0]!.id, jurisdictionCodes: Object.keys(districtsOf), before: null, after: { licences: landed.length } })
  return { count: landed.length, certificates: inputs.filter((i) => i.type === 'vehicle_certificate' || i.type === 'driver_certificate') }
}
