import type { FastifyBaseLogger } from 'fastify'
import type { Principal } from '../auth/principal.js'
import type { Database } from '../db/client.js'
import type { EnterpriseApi } from '../modules/enterprises/schemas.js'
import type { ImportContext } from '../modules/imports/resource.js'
import type { ImportDefinition } from '../modules/imports/engine.js'
import type { JurisdictionRegistry } from '../modules/jurisdictions/registry.js'
import { platePrefixes } from '../modules/licences/identifiers.js'
import { addDays, dateIn } from '../modules/licences/lifecycle.js'
import type { IssueLicence } from '../modules/licences/schemas.js'
import { complaintImport, type ComplaintLine } from '../modules/orders/complaints.js'
import { orderImport } from '../modules/orders/import.js'
import type { OrderLine } from '../modules/orders/schemas.js'
import { rosterImport } from '../modules/rosters/import.js'
import type { RosterLine } from '../modules/rosters/schemas.js'
import { sampleResidentId, samplePlate, sampleVin, seededRandom } from './licence-samples.js'

// The demo platforms' rosters and their last months of orders, made from the demo register and
// written through the same import definitions (rules, judging, figures) a platform's import uses:
// most entries licensed, some with certificates expired, suspended or never issued, so the
// roster checks and the compliance figures show real values on first start.

const districtsOf: Record<string, string> = { 440100: '440106', 350200: '350203', 320600: '320612', 500000: '500103' }
const ordersPerFleetMonth = 20
const months = 4

type Vehicle = Extract<IssueLicence, { type: 'vehicle_certificate' }>
type Driver = Extract<IssueLicence, { type: 'driver_certificate' }>

/** Writes lines as the platform's own, through a kind's checks and writes; a line the rules refuse is a bug in this file. */
async function load<Input> (definition: ImportDefinition<Input, object>, ctx: ImportContext, lines: Input[]): Promise<number> {
  const batches = definition.batches(ctx)
  const { rows, errors } = await batches.check(lines.map((input, i) => ({ line: i + 1, input })))
  if (errors.length) throw new Error(`demo ${definition.kind} line ${errors[0]!.line} breaks a rule: ${JSON.stringify(errors[0])}`)
  const written = await batches.write(ctx.db, rows, null, rows.length ? batches.stage?.(rows) : undefined)
  if (written.errors.length) throw new Error(`demo ${definition.kind} line ${written.errors[0]!.line} was refused: ${JSON.stringify(written.errors[0])}`)
  return written.applied
}

export async function seedCompliance (tx: Database, enterprises: EnterpriseApi[], certificates: IssueLicence[], registry: JurisdictionRegistry, hashPersonal: (value: string) => string, log: FastifyBaseLogger) {
  const random = seededRandom(20261201)
  const now = new Date()
  const today = dateIn('Asia/Shanghai', now)
  let entries = 0
  let orders = 0
  let complained = 0
  let extra = 0
  for (const [city, district] of Object.entries(districtsOf)) {
    const area = registry.subtree(city)
    const fleets = enterprises.filter((e) => e.status === 'active' && e.sectors.includes('ride_hailing') && e.jurisdictionCodes.some((code) => area.includes(code)))
    for (const fleet of fleets) {
      const principal: Principal = { role: 'platform', keyId: null, agencyId: null, agencyKind: null, enterpriseId: fleet.id, jurisdictionCodes: [] } as unknown as Principal
      const ctx: ImportContext = { db: tx, registry, principal, hashPersonal, requestId: 'seed', auditTrail: false, log, maxLines: Number.MAX_SAFE_INTEGER, minBytesPerMinute: 0, clientGone: () => false }
      const held = certificates.filter((c) => c.jurisdictionCode === city && c.enterpriseId === fleet.id)
      const vehicles = held.filter((c): c is Vehicle => c.type === 'vehicle_certificate').map((v) => ({ plate: v.plate!, plateColour: v.plateColour!, vin: v.vin!, certificateNumber: v.number }))
      const drivers = held.filter((c): c is Driver => c.type === 'driver_certificate').map((d) => ({ idNumber: d.idNumber!, certificateNumber: d.number }))
      // A few in service without a certificate in the register: what a regulator is looking for.
      for (let i = 0; i < 3; i++) {
        const n = 900_000 + ++extra
        vehicles.push({ plate: samplePlate(platePrefixes[city]![0]!, n), plateColour: 'blue', vin: sampleVin(n), certificateNumber: `${city}运X${String(n).padStart(7, '0')}` })
        drivers.push({ idNumber: sampleResidentId(district, '19920615', n), certificateNumber: `${city}驾X${String(n).padStart(7, '0')}` })
      }
      const since = addDays(today, -30 * months - 30)
      const roster: RosterLine[] = [
        ...vehicles.map((v): RosterLine => ({ entry: 'vehicle', flag: 'add', jurisdictionCode: city, ...v, plateColour: v.plateColour as 'blue', serviceFrom: since })),
        ...drivers.map((d): RosterLine => ({ entry: 'driver', flag: 'add', jurisdictionCode: city, ...d, serviceFrom: since }))
      ]
      entries += await load(rosterImport as ImportDefinition<RosterLine, object>, ctx, roster)

      // Orders of the last months up to yesterday, each a rostered driver in a rostered vehicle.
      const lines: OrderLine[] = []
      for (let m = 0; m < months * ordersPerFleetMonth; m++) {
        const day = addDays(today, -1 - Math.floor(random() * 30 * months))
        const minutes = 6 * 60 + Math.floor(random() * 17 * 60)
        const matchedAt = `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00+08:00`
        // Mostly the certificated ones: the extras (last in each list) serve now and then.
        const pick = <T>(list: T[]) => list[Math.floor(random() * (random() < 0.95 ? list.length - 3 : list.length))]!
        const vehicle = pick(vehicles)
        const driver = pick(drivers)
        const ride = 300 + Math.floor(random() * 2400)
        const departure = new Date(Date.parse(matchedAt) + (120 + Math.floor(random() * 480)) * 1000)
        lines.push({
          orderId: `${city}-${fleet.id.slice(-6)}-${String(m).padStart(5, '0')}`,
          jurisdictionCode: district,
          matchedAt,
          driverIdNumber: driver.idNumber,
          plate: vehicle.plate,
          departedAt: departure.toISOString(),
          arrivedAt: new Date(departure.getTime() + ride * 1000).toISOString(),
          distanceMetres: Math.round(ride * (5 + random() * 6)),
          durationSeconds: ride,
          fareFen: 1000 + Math.round(ride * 2.2),
          pickupDistrict: district
        })
      }
      orders += await load(orderImport as ImportDefinition<OrderLine, object>, ctx, lines)
      // A passenger complains about one order in twenty-five, within hours; half are handled.
      const complaints: ComplaintLine[] = lines.filter(() => random() < 0.04).map((o) => ({
        orderId: o.orderId,
        complainedAt: new Date(Math.min(Date.parse(o.arrivedAt!) + Math.floor(random() * 6 * 3600) * 1000, now.getTime() - 60_000)).toISOString(),
        resolved: random() < 0.5
      }))
      complained += complaints.length ? await load(complaintImport as ImportDefinition<ComplaintLine, object>, ctx, complaints) : 0
    }
  }
  return { rosterEntries: entries, orders, complaints: complained }
}
