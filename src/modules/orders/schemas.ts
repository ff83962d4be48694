import { Type, type Static } from 'typebox'
import { CalendarDate, JurisdictionCode, Page, PageQuery, Timestamp, Uuid } from '../../lib/schemas.js'
import { Nullable, StringEnum } from '../../lib/typebox.js'

// Orders as platforms submit them, their verdicts, and the compliance rate computed from them.

export const orderVerdicts = ['compliant', 'driver_unlicensed', 'vehicle_unlicensed', 'both_unlicensed'] as const
export type OrderVerdict = typeof orderVerdicts[number]
export const failingVerdicts = ['driver_unlicensed', 'vehicle_unlicensed', 'both_unlicensed'] as const

export const instant = (description: string) => Type.String({ format: 'date-time', pattern: '^(19|2[01])[0-9]{2}-', description: `${description}: RFC 3339 with its offset, e.g. 2025-03-01T08:15:00+08:00` })
const example = {
  orderId: 'GZ20250301081500123',
  enterpriseId: '0193e5a0-5c2e-7b1a-9f3d-2a6b8c4d0e11',
  licenceId: '0193e5a0-6b2f-7d4e-9a1c-3e5f7b9d1c22'
}

export const OrderLineSchema = Type.Object({
  orderId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7E]+$', description: 'The platform’s own order id (printable ASCII): with the match time, it names the order; sent again with its completion, it completes it' }),
  jurisdictionCode: JurisdictionCode('Where the order started (GB/T 2260, a district or the city): it counts in that city'),
  matchedAt: instant('When a driver was matched to it: the instant compliance is judged at'),
  driverIdNumber: Type.String({ minLength: 1, maxLength: 32, description: 'The driver’s resident ID number (the national LicenseId): hashed on arrival, never stored, logged or returned' }),
  plate: Type.String({ minLength: 1, maxLength: 16, description: 'The vehicle’s plate (GA 36)' }),
  departedAt: Type.Optional(instant('On completion: when the passenger was picked up')),
  arrivedAt: Type.Optional(instant('On completion: when the passenger was dropped off')),
  distanceMetres: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000, description: 'On completion: the distance driven with the passenger, in metres' })),
  durationSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'On completion: the ride time, in seconds' })),
  fareFen: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'On completion: the fare, in fen (1 CNY = 100 fen)' })),
  pickupDistrict: Type.Optional(JurisdictionCode('On completion: the district of the pickup (no coordinates are kept)'))
}, {
  $id: 'OrderLine',
  additionalProperties: false,
  description: 'One line of an order import (application/x-ndjson): an order when matched, and again when completed. No passenger data and no coordinates',
  examples: [
    { orderId: example.orderId, jurisdictionCode: '440106', matchedAt: '2025-03-01T08:15:00+08:00', driverIdNumber: '44010619900307123X', plate: '粤AD12345' },
    { orderId: example.orderId, jurisdictionCode: '440106', matchedAt: '2025-03-01T08:15:00+08:00', driverIdNumber: '44010619900307123X', plate: '粤AD12345', departedAt: '2025-03-01T08:21:40+08:00', arrivedAt: '2025-03-01T08:49:02+08:00', distanceMetres: 14250, durationSeconds: 1642, fareFen: 4380, pickupDistrict: '440106' }
  ]
})

export type OrderLine = Static<typeof OrderLineSchema>

const order = {
  orderId: example.orderId,
  enterpriseId: example.enterpriseId,
  jurisdictionCode: '440100',
  originCode: '440106',
  matchedAt: '2025-03-01T00:15:00.000Z',
  matchDay: '2025-03-01',
  plate: '粤AD12345',
  departedAt: '2025-03-01T00:21:40.000Z',
  arrivedAt: '2025-03-01T00:49:02.000Z',
  distanceMetres: 14250,
  durationSeconds: 1642,
  fareFen: 4380,
  pickupDistrict: '440106',
  verdict: 'driver_unlicensed',
  driverLicenceId: null,
  vehicleLicenceId: example.licenceId,
  createdAt: '2025-03-01T00:15:03.000Z',
  updatedAt: '2025-03-01T00:49:05.000Z'
}

export const OrderSchema = Type.Object({
  orderId: Type.String({ description: 'The platform’s order id' }),
  enterpriseId: Uuid('The platform'),
  jurisdictionCode: JurisdictionCode('The city it counts in'),
  originCode: JurisdictionCode('Where it started, as sent'),
  matchedAt: Timestamp('When it was matched'),
  matchDay: CalendarDate('The day of the match in the city: the day and month it counts in'),
  plate: Type.String({ description: 'The vehicle’s plate' }),
  departedAt: Nullable(Timestamp('Picked up'), { description: 'null until completed' }),
  arrivedAt: Nullable(Timestamp('Dropped off'), { description: 'null until completed' }),
  distanceMetres: Nullable(Type.Integer(), { description: 'Metres with the passenger' }),
  durationSeconds: Nullable(Type.Integer(), { description: 'Ride time in seconds' }),
  fareFen: Nullable(Type.Integer(), { description: 'Fare in fen' }),
  pickupDistrict: Nullable(JurisdictionCode('Pickup district'), { description: 'The pickup’s district, if sent' }),
  verdict: StringEnum(orderVerdicts, { description: 'Judged at the match instant, against the register as it stood then (its history: a suspension recorded later does not change it): compliant when the driver held a driver certificate and the vehicle a vehicle certificate of the city, both within their validity dates and active' }),
  driverLicenceId: Nullable(Uuid('The driver certificate in force'), { description: 'null when the driver held none' }),
  vehicleLicenceId: Nullable(Uuid('The vehicle certificate in force'), { description: 'null when the vehicle held none' }),
  createdAt: Timestamp('When it arrived'),
  updatedAt: Timestamp('When it last changed (its completion)')
}, { $id: 'Order', additionalProperties: false, description: 'An order, without the driver’s ID number', examples: [order] })

export type OrderApi = Static<typeof OrderSchema>

export const OrderListQuery = Type.Object({
  ...PageQuery,
  jurisdiction: JurisdictionCode('The city (or a district of it, for its city) whose orders'),
  month: Type.String({ pattern: '^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])$', description: 'The month, YYYY-MM, in the city’s time zone' }),
  enterprise: Type.Optional(Uuid('Only this platform’s (a platform sees only its own)')),
  verdict: Type.Optional(StringEnum([...orderVerdicts, 'failing'] as const, { description: 'Only orders with this verdict; failing: any but compliant' }))
}, { additionalProperties: false })

export const OrderPage = Page(Type.Ref('Order'), 'Orders of the month by day of match, then platform and order id (the order of the city’s index: a page never sorts the month)', order)

const period = {
  jurisdictionCode: '440100',
  enterpriseId: example.enterpriseId,
  from: '2025-03-01',
  to: '2025-03-31',
  orders: 1_204_331,
  compliant: 1_151_902,
  rate: 0.9565,
  byReason: { driver_unlicensed: 31_207, vehicle_unlicensed: 12_990, both_unlicensed: 8232 },
  complaints: 602,
  complaintsPer10kOrders: 5
}

const figures = {
  orders: Type.Integer({ minimum: 0, description: 'Orders matched in the period' }),
  compliant: Type.Integer({ minimum: 0, description: 'Of them, compliant' }),
  rate: Nullable(Type.Number({ minimum: 0, maximum: 1 }), { description: 'compliant / orders, to four places; null without orders' }),
  byReason: Type.Object({
    driver_unlicensed: Type.Integer({ minimum: 0, description: 'Only the driver held no certificate in force' }),
    vehicle_unlicensed: Type.Integer({ minimum: 0, description: 'Only the vehicle held none' }),
    both_unlicensed: Type.Integer({ minimum: 0, description: 'Neither did' })
  }, { additionalProperties: false, description: 'The orders that were not compliant, by reason' }),
  complaints: Type.Integer({ minimum: 0, description: 'Passengers’ complaints made in the period about the platform’s orders (national ratedPassengerComplaint, or POST /v1/complaint-imports), by the day of the complaint' }),
  complaintsPer10kOrders: Nullable(Type.Number({ minimum: 0 }), { description: 'complaints per 10,000 orders of the period, to one place; null without orders' })
}

export const ComplianceSchema = Type.Object({
  jurisdictionCode: JurisdictionCode('The city'),
  enterpriseId: Nullable(Uuid('The platform'), { description: 'null: every platform of the city' }),
  from: CalendarDate('First day'),
  to: CalendarDate('Last day'),
  ...figures
}, { $id: 'OrderCompliance', additionalProperties: false, description: 'The order compliance rate (订单合规率) of a city, or of one platform in it, over whole days in the city’s time zone: computed from the orders submitted and the licence register, never self-reported', examples: [period] })

export const ComplianceQuery = Type.Object({
  jurisdiction: JurisdictionCode('The city (a district’s code is read as its city): it includes its districts'),
  enterprise: Type.Optional(Uuid('One platform (a platform sees only its own)')),
  month: Type.Optional(Type.String({ pattern: '^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])$', description: 'A month, YYYY-MM; or give from and to' })),
  from: Type.Optional(CalendarDate('First day of a day range')),
  to: Type.Optional(CalendarDate('Last day of a day range (at most 366 days)'))
}, { additionalProperties: false })

const ranked = { rank: 1, enterpriseId: example.enterpriseId, enterpriseName: '广州示例出行科技有限公司', orders: 1_204_331, compliant: 1_151_902, rate: 0.9565, byReason: period.byReason, complaints: period.complaints, complaintsPer10kOrders: period.complaintsPer10kOrders }

export const RankingSchema = Type.Object({
  jurisdictionCode: JurisdictionCode('The city'),
  month: Type.String({ description: 'The month, YYYY-MM' }),
  items: Type.Array(Type.Object({
    rank: Type.Integer({ minimum: 1, description: 'By rate, highest first; equal rates share a rank' }),
    enterpriseId: Uuid('The platform'),
    enterpriseName: Type.String({ description: 'Its registered name' }),
    ...figures
  }, { additionalProperties: false }), { description: 'Every platform with orders in the city that month' })
}, { $id: 'ComplianceRanking', additionalProperties: false, description: 'A city’s platforms ranked by their order compliance rate for a month, as the Ministry publishes it', examples: [{ jurisdictionCode: '440100', month: '2025-03', items: [ranked] }] })

export const RankingQuery = Type.Object({
  jurisdiction: JurisdictionCode('The city'),
  month: Type.String({ pattern: '^(19|2[01])[0-9]{2}-(0[1-9]|1[0-2])$', description: 'The month, YYYY-MM' })
}, { additionalProperties: false })

export const qualityFindings = ['no_orders', 'zero_rides', 'refused_lines'] as const

const quality = {
  jurisdictionCode: '440100',
  month: '2025-03',
  items: [{ enterpriseId: example.enterpriseId, enterpriseName: '广州示例出行科技有限公司', permitted: true, orders: 0, zeroRides: 0, refusedLines: { invalid_order_times: 41, order_conflict: 3 }, findings: ['no_orders', 'refused_lines'] }]
}

export const DataQualitySchema = Type.Object({
  jurisdictionCode: JurisdictionCode('The city'),
  month: Type.String({ description: 'The month, YYYY-MM' }),
  items: Type.Array(Type.Object({
    enterpriseId: Uuid('The platform'),
    enterpriseName: Type.String({ description: 'Its registered name' }),
    permitted: Type.Boolean({ description: 'It holds a platform permit of the city for some of the month' }),
    orders: Type.Integer({ minimum: 0, description: 'Orders it sent for the city that month' }),
    zeroRides: Type.Integer({ minimum: 0, description: 'Of them, completed with a ride time of 0 and under 100 m' }),
    refusedLines: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { description: 'Lines of its order imports started that month that were refused, by problem code (1970 match times and completions before the match are refused as invalid_order_times, an order id sent again with other content as order_conflict)' }),
    findings: Type.Array(StringEnum(qualityFindings, { description: 'no_orders: permitted in the city but sent no order for it (orders sent for only some of its cities); zero_rides; refused_lines' }), { description: 'What a regulator should look at' })
  }, { additionalProperties: false }), { description: 'Every platform that holds a permit of the city or sent orders for it that month' })
}, { $id: 'OrderDataQuality', additionalProperties: false, description: 'The data-quality checks of the Ministry’s spot checks, per platform and month in a city', examples: [quality] })
