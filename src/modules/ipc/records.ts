import { Type, type TSchema } from 'typebox'
import type { ComplaintLine } from '../orders/complaints.js'
import { aheadMs, implausiblyEarly } from '../orders/rules.js'
import type { OrderLine } from '../orders/schemas.js'
import type { RosterLine } from '../rosters/schemas.js'
import { ipcAmount, ipcCoordinates, ipcDate, ipcFailure, ipcFlag, ipcPlateColour, ipcRegion, ipcSeconds, ipcTime, type IpcFailure, type Read } from './conventions.js'

// The national interface's record types this API takes, each as the one native line it maps to:
// its schema (the fields it reads; the others of the specification are accepted and not kept),
// the native field each of them becomes (so that a failure is named by the national field), and
// the mapping itself, a pure function of the record (and, for a completion, of the order it
// completes).

export const ipcTypes = ['baseInfoVehicle', 'baseInfoDriver', 'orderCreate', 'orderMatch', 'operatePay', 'ratedPassengerComplaint'] as const
export type IpcType = typeof ipcTypes[number]

/** What a record of a type becomes: a roster line, an order line, a complaint line, or (orderCreate) nothing kept. */
export interface NativeOf { baseInfoVehicle: RosterLine, baseInfoDriver: RosterLine, orderCreate: null, orderMatch: OrderLine, operatePay: OrderLine, ratedPassengerComplaint: ComplaintLine }

/** The order a completion (operatePay) completes, as the service received it at its match. */
export interface MatchedOrder { matchedAt: string, originCode: string }

export type IpcRecord = Record<string, unknown>

export interface RecordType<T extends IpcType> {
  schema: TSchema
  /** The national field each field of the native line comes from (a failure of the native line is named by it). */
  fields: Record<string, string>
  /** The dates (YYYYMMDD) and times (YYYYMMDDhhmmss) a record may carry besides those it maps: checked, not kept. */
  dates: string[]
  times: string[]
  map: (record: IpcRecord, order?: MatchedOrder) => Read<NativeOf[T]>
}

const digits = (description: string) => Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 32 })], { description: `${description} (a number, or a string of digits)` })
const text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, description })
const companyId = text(32, 'CompanyId: the same as the envelope’s')
const flag = digits('Flag: 1 add, 2 update, 3 delete')
const updateTime = digits('UpdateTime, YYYYMMDDhhmmss: when the platform last changed the record; for Flag 3, its date is the last day in service')
const registerDate = digits('RegisterDate, YYYYMMDD: the day it was filed with the city’s authority, read as its first day in service; required to add')
const datum = Type.Optional(digits('Encrypt: the datum of the coordinates, 1 GCJ-02, 2 WGS-84, 3 BD-09, 4 CGCS2000, 0 other'))
const micro = (description: string) => Type.Optional(Type.Number({ description: `${description}, in millionths of a degree (checked, then dropped: no coordinate is kept)` }))

const record = (id: string, description: string, properties: Record<string, TSchema>) =>
  Type.Object(properties, { $id: id, description: `${description} Fields of the specification not listed here are accepted and not kept.`, additionalProperties: true })

/** Reads every field a mapping needs; the first failure, or the values. */
function read<T extends Record<string, Read<unknown>>> (reads: T): { values: { [K in keyof T]: T[K] extends Read<infer V> ? V : never }, failure?: undefined } | { failure: IpcFailure } {
  const values: Record<string, unknown> = {}
  for (const [name, r] of Object.entries(reads)) {
    if (r.failure) return { failure: r.failure }
    values[name] = r.value
  }
  return { values: values as never }
}

const optional = <V>(value: unknown, reader: (v: unknown) => Read<V>): Read<V | undefined> =>
  value === undefined || value === null || value === '' ? { value: undefined } : reader(value)

const str = (value: unknown) => value === undefined || value === null ? undefined : String(value)

function rosterLine (r: IpcRecord): Read<{ flag: RosterLine['flag'], jurisdictionCode: string, serviceFrom?: string, serviceUntil?: string }> {
  const got = read({ flag: ipcFlag(r.Flag), jurisdictionCode: ipcRegion(r.Address, 'Address'), updated: ipcTime(r.UpdateTime, 'UpdateTime'), serviceFrom: optional(r.RegisterDate, (v) => ipcDate(v, 'RegisterDate')) })
  if (got.failure) return got
  const { flag, jurisdictionCode, updated, serviceFrom } = got.values
  // When the platform changed the record: a time that has been, and not a default.
  if (implausiblyEarly(updated)) return ipcFailure('UpdateTime', 'implausible_time', `UpdateTime ${String(r.UpdateTime)} is before 2010: a default (such as 1970-01-01), not when the record was changed`)
  if (Date.parse(updated) > Date.now() + aheadMs) return ipcFailure('UpdateTime', 'in_the_future', `UpdateTime ${String(r.UpdateTime)} is in the future: it is when the platform changed the record`)
  // A record taken off (Flag 3) was last in service on the day it was changed.
  return { value: { flag, jurisdictionCode, ...(serviceFrom ? { serviceFrom } : {}), ...(flag === 'delete' ? { serviceUntil: updated.slice(0, 10) } : {}) } }
}

const vehicle: RecordType<'baseInfoVehicle'> = {
  schema: record('IpcBaseInfoVehicle', 'A vehicle record of the national interface (baseInfoVehicle, A.4.7): a vehicle of the platform’s roster in the city of Address.', {
    CompanyId: companyId,
    Address: digits('Address: the GB/T 2260 code of the city the vehicle serves'),
    VehicleNo: text(32, 'VehicleNo: the plate'),
    PlateColor: Type.Optional(digits('PlateColor: JT/T 697.7 code (1 blue, 2 yellow, 3 black, 4 white, 5 green, 9 other) or name (蓝色, 渐变绿, 黄绿双拼…); required to add')),
    VIN: Type.Optional(text(32, 'VIN; required to add')),
    Certificate: Type.Optional(text(64, 'Certificate: the transport certificate’s number (运输证字号); required to add')),
    RegisterDate: Type.Optional(registerDate),
    Flag: flag,
    UpdateTime: updateTime
  }),
  fields: { jurisdictionCode: 'Address', plate: 'VehicleNo', plateColour: 'PlateColor', vin: 'VIN', certificateNumber: 'Certificate', serviceFrom: 'RegisterDate', serviceUntil: 'UpdateTime', flag: 'Flag' },
  dates: ['CertifyDateA', 'CertifyDateB', 'TransDateStart', 'TransDateStop', 'NextFixDate', 'GPSInstallDate'],
  times: [],
  map (r) {
    const base = rosterLine(r)
    if (base.failure) return base
    const colour = optional(r.PlateColor, (v) => ipcPlateColour(v))
    if (colour.failure) return colour
    return { value: { entry: 'vehicle', ...base.value, plate: String(r.VehicleNo), ...(colour.value ? { plateColour: colour.value } : {}), ...(str(r.VIN) ? { vin: str(r.VIN) } : {}), ...(str(r.Certificate) ? { certificateNumber: str(r.Certificate) } : {}) } }
  }
}

const driver: RecordType<'baseInfoDriver'> = {
  schema: record('IpcBaseInfoDriver', 'A driver record of the national interface (baseInfoDriver, A.4.10): a driver of the platform’s roster in the city of Address. LicenseId, the driving licence’s number, is the resident ID number: kept only as its keyed hash and masked form; the driver’s name, phone, address and photos are not kept.', {
    CompanyId: companyId,
    Address: digits('Address: the GB/T 2260 code of the city the driver serves'),
    LicenseId: text(32, 'LicenseId: the driving licence’s number, which is the resident ID number (GB 11643)'),
    CertificateNo: Type.Optional(text(128, 'CertificateNo: the driver certificate’s number (网络预约出租汽车驾驶员资格证号); required to add')),
    RegisterDate: Type.Optional(registerDate),
    Flag: flag,
    UpdateTime: updateTime
  }),
  fields: { jurisdictionCode: 'Address', idNumber: 'LicenseId', certificateNumber: 'CertificateNo', serviceFrom: 'RegisterDate', serviceUntil: 'UpdateTime', flag: 'Flag' },
  // DriverBirthday is the driver's personal data, neither kept nor checked (a check would quote it).
  dates: ['GetDriverLicenseDate', 'DriverLicenseOn', 'DriverLicenseOff', 'NetworkCarIssueDate', 'GetNetworkCarProofDate', 'NetworkCarProofOn', 'NetworkCarProofOff', 'ContractOn', 'ContractOff'],
  times: [],
  map (r) {
    const base = rosterLine(r)
    if (base.failure) return base
    return { value: { entry: 'driver', ...base.value, idNumber: String(r.LicenseId), ...(str(r.CertificateNo) ? { certificateNumber: str(r.CertificateNo) } : {}) } }
  }
}

const orderId = text(64, 'OrderId: the platform’s order id')

const orderCreate: RecordType<'orderCreate'> = {
  schema: record('IpcOrderCreate', 'An order as created (orderCreate, A.5.1): checked and acknowledged, nothing of it kept. It names no driver or vehicle, so there is nothing to judge; its addresses and coordinates are the passenger’s. The order is kept from its orderMatch.', {
    CompanyId: companyId,
    Address: digits('Address: the GB/T 2260 code where the order starts'),
    OrderId: orderId,
    DepartTime: digits('DepartTime, YYYYMMDDhhmmss: when the passenger wants to leave'),
    OrderTime: digits('OrderTime, YYYYMMDDhhmmss: when the order was made'),
    DepLongitude: micro('DepLongitude'),
    DepLatitude: micro('DepLatitude'),
    DestLongitude: micro('DestLongitude'),
    DestLatitude: micro('DestLatitude'),
    Encrypt: datum
  }),
  fields: { orderId: 'OrderId', jurisdictionCode: 'Address', orderTime: 'OrderTime' },
  dates: [],
  times: ['DepartTime'],
  map (r) {
    const got = read({ at: ipcTime(r.OrderTime, 'OrderTime'), where: ipcRegion(r.Address, 'Address'), coordinates: coordinates(r, [['DepLongitude', 'DepLatitude'], ['DestLongitude', 'DestLatitude']]) })
    if (got.failure) return got
    if (implausiblyEarly(got.values.at)) return ipcFailure('OrderTime', 'implausible_time', `OrderTime ${String(r.OrderTime)} is before 2010: a default (such as 1970-01-01), not the time of an order`, 'invalid_order_times')
    return { value: null }
  }
}

function coordinates (r: IpcRecord, pairs: Array<[string, string]>): Read<null> {
  const checked = ipcCoordinates(r, pairs, false)
  return checked.failure ? { failure: checked.failure } : { value: null }
}

const orderMatch: RecordType<'orderMatch'> = {
  schema: record('IpcOrderMatch', 'An order as matched (orderMatch, A.5.2): it becomes the order, judged at DistributeTime against the licence register. The driver’s phone and the vehicle’s position are not kept.', {
    CompanyId: companyId,
    Address: digits('Address: the GB/T 2260 code where the order starts: it counts in that city'),
    OrderId: orderId,
    LicenseId: text(32, 'LicenseId: the driver’s driving licence number, which is the resident ID number: hashed on arrival'),
    VehicleNo: text(32, 'VehicleNo: the plate'),
    DistributeTime: digits('DistributeTime, YYYYMMDDhhmmss: when the order was given to the driver, the instant it is judged at'),
    Longitude: micro('Longitude'),
    Latitude: micro('Latitude'),
    Encrypt: datum
  }),
  fields: { orderId: 'OrderId', jurisdictionCode: 'Address', matchedAt: 'DistributeTime', driverIdNumber: 'LicenseId', plate: 'VehicleNo' },
  dates: [],
  times: [],
  map (r) {
    const got = read({ matchedAt: ipcTime(r.DistributeTime, 'DistributeTime'), jurisdictionCode: ipcRegion(r.Address, 'Address'), coordinates: coordinates(r, [['Longitude', 'Latitude']]) })
    if (got.failure) return got
    return { value: { orderId: String(r.OrderId), jurisdictionCode: got.values.jurisdictionCode, matchedAt: got.values.matchedAt, driverIdNumber: String(r.LicenseId), plate: String(r.VehicleNo) } }
  }
}

const operatePay: RecordType<'operatePay'> = {
  schema: record('IpcOperatePay', 'An order’s completion and payment (operatePay, A.6.5): it completes the order its orderMatch made. Distance in km and fare in yuan become metres and fen; OnArea is the pickup district; the addresses and coordinates are not kept.', {
    CompanyId: companyId,
    OrderId: orderId,
    OnArea: digits('OnArea: the GB/T 2260 code of the pickup’s district'),
    LicenseId: text(32, 'LicenseId: the driver’s, as in the orderMatch'),
    VehicleNo: text(32, 'VehicleNo: the plate, as in the orderMatch'),
    DepTime: digits('DepTime, YYYYMMDDhhmmss: when the passenger was picked up'),
    DestTime: digits('DestTime, YYYYMMDDhhmmss: when the passenger was dropped off'),
    DriveMile: Type.Union([Type.Number(), Type.String({ maxLength: 16 })], { description: 'DriveMile: km with the passenger (a number, or a string of one)' }),
    DriveTime: digits('DriveTime: seconds with the passenger'),
    FactPrice: Type.Union([Type.Number(), Type.String({ maxLength: 16 })], { description: 'FactPrice: the fare received, in yuan (a number, or a string of one)' }),
    PayTime: Type.Optional(digits('PayTime, YYYYMMDDhhmmss: when the passenger paid (checked, not kept; 1970 is refused)')),
    DepLongitude: micro('DepLongitude'),
    DepLatitude: micro('DepLatitude'),
    DestLongitude: micro('DestLongitude'),
    DestLatitude: micro('DestLatitude'),
    Encrypt: datum
  }),
  fields: { orderId: 'OrderId', jurisdictionCode: 'OrderId', matchedAt: 'OrderId', pickupDistrict: 'OnArea', driverIdNumber: 'LicenseId', plate: 'VehicleNo', departedAt: 'DepTime', arrivedAt: 'DestTime', distanceMetres: 'DriveMile', durationSeconds: 'DriveTime', fareFen: 'FactPrice', paidAt: 'PayTime' },
  dates: [],
  times: ['BookDepTime', 'OrderMatchTime'],
  map (r, order) {
    const got = read({
      departedAt: ipcTime(r.DepTime, 'DepTime'),
      arrivedAt: ipcTime(r.DestTime, 'DestTime'),
      pickupDistrict: ipcRegion(r.OnArea, 'OnArea'),
      distanceMetres: ipcAmount(r.DriveMile, 'DriveMile', 'km', 1000, 2_000_000),
      durationSeconds: ipcSeconds(r.DriveTime, 'DriveTime', 86_400),
      fareFen: ipcAmount(r.FactPrice, 'FactPrice', 'yuan', 100, 100_000_000),
      paidAt: optional(r.PayTime, (v) => ipcTime(v, 'PayTime')),
      coordinates: coordinates(r, [['DepLongitude', 'DepLatitude'], ['DestLongitude', 'DestLatitude']])
    })
    if (got.failure) return got
    const { paidAt, coordinates: _, ...completion } = got.values
    if (paidAt !== undefined && implausiblyEarly(paidAt)) return ipcFailure('PayTime', 'implausible_time', `PayTime ${String(r.PayTime)} is before 2010: a default (such as 1970-01-01), not the time of a payment`, 'invalid_order_times')
    if (!order) return ipcFailure('OrderId', 'order_not_matched', `no orderMatch of order ${String(r.OrderId)} was received: send the match before the payment`, 'order_not_matched')
    return { value: { orderId: String(r.OrderId), jurisdictionCode: order.originCode, matchedAt: order.matchedAt, driverIdNumber: String(r.LicenseId), plate: String(r.VehicleNo), ...completion } }
  }
}

const complaint: RecordType<'ratedPassengerComplaint'> = {
  schema: record('IpcRatedPassengerComplaint', 'A passenger’s complaint (ratedPassengerComplaint, A.8.2): counted against the order’s platform and city. Detail, what the passenger wrote, is not kept; Result, when given, marks it handled.', {
    CompanyId: companyId,
    OrderId: orderId,
    ComplaintTime: digits('ComplaintTime, YYYYMMDDhhmmss'),
    Result: Type.Optional(Type.String({ maxLength: 128, description: 'Result: how it was handled; given, the complaint counts as handled (the text is not kept)' }))
  }),
  fields: { orderId: 'OrderId', complainedAt: 'ComplaintTime', resolved: 'Result' },
  dates: [],
  times: [],
  map (r) {
    const at = ipcTime(r.ComplaintTime, 'ComplaintTime')
    if (at.failure) return at
    return { value: { orderId: String(r.OrderId), complainedAt: at.value, resolved: typeof r.Result === 'string' && r.Result.trim() !== '' } }
  }
}

export const recordTypes: { [T in IpcType]: RecordType<T> } = {
  baseInfoVehicle: vehicle,
  baseInfoDriver: driver,
  orderCreate,
  orderMatch,
  operatePay,
  ratedPassengerComplaint: complaint
}

/** The dates and times a record carries besides those it maps: each must be one, though none is kept. */
export function checkOtherDates (r: IpcRecord, type: RecordType<IpcType>): { failure?: IpcFailure } {
  for (const field of type.dates) {
    const checked = optional(r[field], (v) => ipcDate(v, field))
    if (checked.failure) return checked
  }
  for (const field of type.times) {
    const checked = optional(r[field], (v) => ipcTime(v, field))
    if (checked.failure) return checked
  }
  return {}
}
