import type { Client } from './actors.js'
import { usccCheckCharacter, organisationCodeCheck } from '../../src/modules/enterprises/uscc.js'
import { sampleResidentId, samplePlate, sampleVin } from '../../src/seed/licence-samples.js'

let serial = 0

/** A valid USCC registered in the given region, unique within the test run. */
export function makeUscc (region = '440106'): string {
  serial++
  const body = `MA${String(serial).padStart(6, '0')}`
  const first17 = `91${region}${body}${organisationCodeCheck(body)}`
  return first17 + usccCheckCharacter(first17)
}

export function enterpriseInput (overrides: Record<string, unknown> = {}) {
  return {
    uscc: makeUscc(),
    nameZh: '广州测试出行科技有限公司',
    nameEn: 'Guangzhou Test Mobility Technology Co., Ltd.',
    sectors: ['ride_hailing'],
    jurisdictionCodes: ['440106'],
    ...overrides
  }
}

/** Registers an enterprise as the given regulator (Guangzhou's unless the codes say otherwise). */
export async function registerEnterprise (regulator: Client, overrides: Record<string, unknown> = {}) {
  const res = await regulator.inject({ method: 'POST', url: '/v1/enterprises', payload: enterpriseInput(overrides) })
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string, uscc: string, version: number, status: string, nameZh: string, [k: string]: unknown }
}

export async function createAgency (admin: Client, overrides: Record<string, unknown> = {}) {
  serial++
  const res = await admin.inject({
    method: 'POST',
    url: '/v1/agencies',
    payload: { nameZh: `测试交通运输局${serial}`, kind: 'transport', jurisdictionCode: '440100', ...overrides }
  })
  if (res.statusCode !== 201) throw new Error(`agency failed: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string, version: number, [k: string]: unknown }
}

let licenceSerial = 0

/** A valid licence of the given type, issued by `agencyId` in Guangzhou unless overridden. */
export function licenceInput (type: 'platform_permit' | 'vehicle_certificate' | 'driver_certificate' | 'car_share_filing', base: { issuingAgencyId: string, enterpriseId?: string }, overrides: Record<string, unknown> = {}) {
  const n = ++licenceSerial
  const holder = {
    vehicle_certificate: { plate: samplePlate('粤A', n), plateColour: 'blue', vin: sampleVin(n) },
    driver_certificate: { idNumber: sampleResidentId('440106', '19850312', n) },
    platform_permit: {},
    car_share_filing: {}
  }[type]
  return { type, number: `T${String(n).padStart(8, '0')}`, jurisdictionCode: '440100', validFrom: '2025-01-01', validUntil: '2030-12-31', ...base, ...holder, ...overrides }
}

/** Issues a licence as the given regulator; fails the test if it is refused. */
export async function issueLicence (regulator: Client, input: Record<string, unknown>) {
  const res = await regulator.inject({ method: 'POST', url: '/v1/licences', payload: input })
  if (res.statusCode !== 201) throw new Error(`issue failed: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string, number: string, version: number, status: string, [k: string]: unknown }
}
