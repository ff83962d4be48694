import { invalidField } from '../../lib/problems.js'
import type { Jurisdiction, JurisdictionRegistry } from './registry.js'

// Cities: what a roster, an order and a compliance rate belong to.

/** The province-level municipalities: a city of their own, whatever their prefecture-level codes (市辖区, 县) say. */
const municipalities = new Set(['110000', '120000', '310000', '500000'])

/** The city a division belongs to: itself when a prefecture-level city or a municipality; undefined above city level. */
export function cityOf (registry: JurisdictionRegistry, code: string): Jurisdiction | undefined {
  let place = registry.current(code)
  for (let hops = 0; place && hops < 5; hops++) {
    if (municipalities.has(place.code)) return place
    const parent = place.parentCode ? registry.get(place.parentCode) : undefined
    if (parent && municipalities.has(parent.code)) return parent
    if (place.level === 'prefecture') return place
    if (place.level === 'province') return undefined
    place = parent
  }
  return undefined
}

/** The city a query parameter names (a district's code is read as its city), or the problem why not. */
export function cityInQuery (registry: JurisdictionRegistry, code: string, parameter = 'jurisdiction'): Jurisdiction {
  const city = cityOf(registry, code)
  if (!city) {
    throw registry.get(code)
      ? invalidField('jurisdiction_not_a_city', `/${parameter}`, 'not_a_city', `${code} is a province: give a city, or a division of one`, 'query')
      : invalidField('unknown_jurisdiction', `/${parameter}`, 'unknown_jurisdiction', `${code} is not a known GB/T 2260 division`, 'query')
  }
  return city
}
