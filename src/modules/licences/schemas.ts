import { Type, type Static, type TSchema } from 'typebox'
import { example } from '../../lib/examples.js'
import { CalendarDate, JurisdictionCode, Nullable, Page, PageQuery, StringEnum, TaggedObject, TaggedUnion, Timestamp, Uuid, Warning, Version } from '../../lib/schemas.js'
import { licenceStatuses, licenceTypes, plateColours, recordedStatuses, transitionActions } from './table.js'

export const licenceSorts = ['id', 'validUntil'] as const

const LicenceType = StringEnum(licenceTypes, {
  description: 'platform_permit (网络预约出租汽车经营许可证, held by an enterprise), vehicle_certificate (运输证, held by a vehicle), driver_certificate (驾驶员证, held by a driver), car_share_filing (分时租赁备案, held by an enterprise)'
})
const Status = StringEnum(licenceStatuses, { description: 'active (includes a licence whose validFrom is still ahead: see valid); suspended (may be reinstated); expired (past validUntil in the jurisdiction’s time zone, derived, never stored); revoked (final)' })
const RecordedStatus = StringEnum(recordedStatuses, { description: 'The status transitions set: active, suspended or revoked' })
const PlateColour = StringEnum(plateColours, { description: 'Plate colour (JT/T 415): blue, yellow, black, white, green (new-energy small), yellow_green (new-energy large), other' })
const Action = StringEnum(transitionActions, { description: 'suspend (active → suspended), reinstate (suspended → active), revoke (→ revoked, final), renew (extends validUntil; the status stays)' })
const LicenceNumber = Type.String({ minLength: 1, maxLength: 64, description: 'The number printed on the licence; unique per jurisdiction and type; no spaces at its ends, no control characters', examples: ['440100202400123'] })

// A licence's fields by type. Every licence has the common ones; a vehicle certificate has its
// plate, plate colour and VIN, a driver certificate its holder's masked ID number, and each type
// has nothing of the others' (null in an answer, refused in a body).
const licenceFields = {
  id: Uuid('Licence id'),
  number: Type.String({ description: 'The number printed on the licence; for a driver certificate numbered with the driver’s ID number, that number masked (it is never stored)' }),
  numberIsIdNumber: Type.Boolean({ description: 'True for a driver certificate numbered with its holder’s ID number: number is masked, and a lookup by it goes in a body (driver-lookup, POST verify), never a URL' }),
  jurisdictionCode: JurisdictionCode('The city (GB/T 2260) whose transport agency issued it'),
  issuingAgencyId: Uuid('The issuing transport agency'),
  enterpriseId: Nullable(Uuid('Enterprise id'), { description: 'The holder (permits, filings) or the platform the vehicle or driver serves; null when none' }),
  enterpriseName: Nullable(Type.String(), { description: 'That enterprise’s registered name (nameZh), as it is now; null when none' }),
  validFrom: CalendarDate('First valid day, in the jurisdiction’s time zone'),
  validUntil: CalendarDate('Last valid day, in the jurisdiction’s time zone'),
  status: Status,
  recordedStatus: RecordedStatus,
  valid: Type.Boolean({ description: 'True when it is in force today: active, not expired, and validFrom reached' }),
  plate: Nullable(Type.String(), { description: 'Vehicle certificates: the plate (GA 36), upper case without separators' }),
  plateColour: Nullable(PlateColour, { description: 'Vehicle certificates: the plate colour' }),
  vin: Nullable(Type.String(), { description: 'Vehicle certificates: the VIN (17 characters, check digit verified)' }),
  driverIdMasked: Nullable(Type.String(), { description: 'Driver certificates: the driver’s ID number masked (region and last four); the number itself is never stored' }),
  importId: Nullable(Uuid('Import id'), { description: 'The bulk import that issued it, if any' }),
  version: Version,
  createdAt: Timestamp('When it was entered here (its issue, or its import)'),
  updatedAt: Timestamp('When it last changed'),
  warnings: Type.Array(Warning, { description: 'Things accepted but worth a look, e.g. a plate from another city' })
}

const none = (description: string) => Type.Null({ description })
const noVehicle = {
  plate: none('Only a vehicle certificate has a plate'),
  plateColour: none('Only a vehicle certificate has a plate colour'),
  vin: none('Only a vehicle certificate has a VIN')
}
const noDriver = { driverIdMasked: none('Only a driver certificate has a driver') }
const heldByEnterprise = { enterpriseId: Uuid('The enterprise holding it') }

const licenceOf = <const K extends string, P extends Record<string, TSchema>> (type: K, description: string, fields: P) =>
  Type.Object({ type: Type.Literal(type, { description: 'The licence type' }), ...licenceFields, ...fields }, { additionalProperties: false, description })

const vehicleLicence = {
  id: example.licenceId,
  type: 'vehicle_certificate',
  number: example.vehicleNumber,
  numberIsIdNumber: false,
  jurisdictionCode: example.city,
  issuingAgencyId: example.agencyId,
  enterpriseId: example.enterpriseId,
  enterpriseName: example.enterpriseNameZh,
  validFrom: example.validFrom,
  validUntil: example.validUntil,
  status: 'active',
  recordedStatus: 'active',
  valid: true,
  plate: example.plate,
  plateColour: 'green',
  vin: example.vin,
  driverIdMasked: null,
  importId: null,
  version: 1,
  createdAt: example.createdAt,
  updatedAt: example.updatedAt,
  warnings: []
}

export const exampleLicence = vehicleLicence
const driverLicence = {
  ...vehicleLicence,
  id: example.driverLicenceId,
  type: 'driver_certificate',
  number: example.idNumberMasked,
  numberIsIdNumber: true,
  plate: null,
  plateColour: null,
  vin: null,
  driverIdMasked: example.idNumberMasked
}

export const LicenceSchema = TaggedObject('type', { type: LicenceType, ...licenceFields }, [
  licenceOf('platform_permit', 'A platform operating permit (网络预约出租汽车经营许可证), held by an enterprise', { ...heldByEnterprise, ...noVehicle, ...noDriver }),
  licenceOf('vehicle_certificate', 'A vehicle transport certificate (网络预约出租汽车运输证)', {
    plate: Type.String({ description: 'The plate (GA 36), upper case without separators' }),
    plateColour: PlateColour,
    vin: Type.String({ description: 'The VIN (17 characters, check digit verified)' }),
    ...noDriver
  }),
  licenceOf('driver_certificate', 'A driver certificate (网络预约出租汽车驾驶员证)', {
    ...noVehicle,
    driverIdMasked: Type.String({ description: 'The driver’s ID number masked (region and last four); the number itself is never stored' })
  }),
  licenceOf('car_share_filing', 'A car-share time-rental filing (分时租赁备案), held by an enterprise', { ...heldByEnterprise, ...noVehicle, ...noDriver })
], {
  $id: 'Licence',
  description: 'A licence in the register; its fields depend on its `type`',
  examples: [vehicleLicence, driverLicence]
})

export type LicenceApi = Static<typeof LicenceSchema>

/** A licence as the audit trail keeps it: every field of every type, without the warnings. */
export const LicenceRecordSchema = Type.Object({
  type: LicenceType,
  ...Object.fromEntries(Object.entries(licenceFields).filter(([k]) => k !== 'warnings' && k !== 'enterpriseName')) as Omit<typeof licenceFields, 'warnings' | 'enterpriseName'>
}, { $id: 'LicenceRecord', additionalProperties: false, description: 'A licence as recorded in the audit trail (a Licence without its warnings, and without its enterprise’s name, which is the enterprise’s record)' })

// What a body may carry by type; a field of another type is refused as not_allowed.
const forbidden = (description: string) => Type.Optional(Type.Never({ description }))
const issueFields = {
  number: LicenceNumber,
  jurisdictionCode: JurisdictionCode('The city whose transport agency issues it'),
  issuingAgencyId: Uuid('A transport agency of that jurisdiction'),
  validFrom: CalendarDate('First valid day'),
  validUntil: CalendarDate('Last valid day; not before validFrom')
}
const servedEnterprise = { enterpriseId: Type.Optional(Nullable(Uuid('Enterprise id'), { description: 'The platform the vehicle or driver serves, if any' })) }
const holder = { enterpriseId: Uuid('The enterprise holding it') }
const notVehicle = {
  plate: forbidden('Only a vehicle certificate has a plate'),
  plateColour: forbidden('Only a vehicle certificate has a plate colour'),
  vin: forbidden('Only a vehicle certificate has a VIN')
}
const notDriver = { idNumber: forbidden('Only a driver certificate has a driver’s ID number') }
const issueOf = <const K extends string, P extends Record<string, TSchema>> (type: K, description: string, fields: P) =>
  Type.Object({ type: Type.Literal(type, { description: 'The licence type' }), ...issueFields, ...fields }, { additionalProperties: false, description })

const vehicleToIssue = {
  type: 'vehicle_certificate',
  number: example.vehicleNumber,
  jurisdictionCode: example.city,
  issuingAgencyId: example.agencyId,
  enterpriseId: example.enterpriseId,
  validFrom: example.validFrom,
  validUntil: example.validUntil,
  plate: '粤A·D12345',
  plateColour: 'green',
  vin: example.vin
}

export const IssueLicenceBody = TaggedUnion('type', [
  issueOf('platform_permit', 'A platform operating permit, held by a ride-hailing enterprise', { ...holder, ...notVehicle, ...notDriver }),
  issueOf('vehicle_certificate', 'A vehicle transport certificate', {
    ...servedEnterprise,
    plate: Type.String({ minLength: 1, maxLength: 16, description: 'The plate per GA 36 (7 characters, 8 for new-energy); separators and lower case accepted' }),
    plateColour: StringEnum(plateColours, { description: 'The plate colour (JT/T 415): green or yellow_green for an 8-character new-energy plate, another colour for a 7-character plate' }),
    vin: Type.String({ minLength: 1, maxLength: 32, description: '17-character VIN, check digit at position 9 verified' }),
    ...notDriver
  }),
  issueOf('driver_certificate', 'A driver certificate', {
    ...servedEnterprise,
    ...notVehicle,
    idNumber: Type.String({ minLength: 1, maxLength: 32, description: 'The driver’s resident ID number (GB 11643). Kept only as a keyed hash and a masked form; never stored, logged or returned' })
  }),
  issueOf('car_share_filing', 'A car-share time-rental filing, held by a car-share enterprise', { ...holder, ...notVehicle, ...notDriver })
], {
  $id: 'IssueLicence',
  description: 'A licence to enter into the register, by `type`; the same shape is one line of a bulk import',
  examples: [vehicleToIssue, {
    type: 'driver_certificate',
    number: example.driverNumber,
    jurisdictionCode: example.city,
    issuingAgencyId: example.agencyId,
    enterpriseId: example.enterpriseId,
    validFrom: example.validFrom,
    validUntil: example.validUntil,
    idNumber: example.idNumber
  }, {
    type: 'platform_permit',
    number: example.permitNumber,
    jurisdictionCode: example.city,
    issuingAgencyId: example.agencyId,
    enterpriseId: example.enterpriseId,
    validFrom: example.validFrom,
    validUntil: example.validUntil
  }]
})

export type IssueLicence = Static<typeof IssueLicenceBody>

/** One line of a bulk import: the body of issueLicence, named so that a client generates a type for it. */
export const LicenceImportLine = { ...IssueLicenceBody, $id: 'LicenceImportLine', description: 'One line of a bulk import (application/x-ndjson): a licence shaped like the body of issueLicence' }

export const LicenceListQuery = Type.Object({
  ...PageQuery,
  type: Type.Optional(LicenceType),
  status: Type.Optional(Status),
  jurisdiction: Type.Optional(JurisdictionCode('Issued in this division or any division under it')),
  enterprise: Type.Optional(Uuid('Held by, or serving, this enterprise')),
  plate: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'Exactly this plate (separators and case ignored); one that is not a valid GA 36 plate is refused with invalid_plate' })),
  expiringWithinDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 366, description: 'Not expired, not revoked, and the last valid day is within this many days from today; with sort=validUntil, soonest first' })),
  importId: Type.Optional(Uuid('Entered by this bulk import (see GET /v1/licence-imports/{id}); an import you may not see matches nothing')),
  sort: Type.Optional(StringEnum(licenceSorts, { description: 'id (default): in the order they were entered; validUntil: the last valid day soonest first, ties by id. Repeat it with every page' }))
}, { additionalProperties: false })

export type LicenceFilters = Omit<Static<typeof LicenceListQuery>, 'limit' | 'cursor'>

export const LicencePage = Page(Type.Ref('Licence'), 'Licences in the order of sort: as entered, or the last valid day soonest first', vehicleLicence)

export const TransitionBody = Type.Object({
  action: Action,
  reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why; kept in the history (no NUL characters)' }),
  validUntil: Type.Optional(CalendarDate('renew only, required: the new last valid day, after the current one'))
}, {
  additionalProperties: false,
  examples: [{ action: 'suspend', reason: '车辆未按期年检 (annual inspection overdue)' }, { action: 'renew', reason: '换证 (certificate renewed)', validUntil: '2032-02-29' }]
})

export type Transition = Static<typeof TransitionBody>

const transition = {
  id: example.transitionId,
  licenceId: example.licenceId,
  action: 'suspend',
  fromStatus: 'active',
  toStatus: 'suspended',
  validUntilBefore: example.validUntil,
  validUntilAfter: example.validUntil,
  reason: '车辆未按期年检 (annual inspection overdue)',
  byAgencyId: example.agencyId,
  byKeyId: example.keyId,
  requestId: example.requestId,
  changedAt: '2024-06-03T02:15:00.000Z',
  licenceVersion: 2
}

export const LicenceTransitionSchema = Type.Object({
  id: Uuid('Transition id'),
  licenceId: Uuid('Licence id'),
  action: Action,
  fromStatus: RecordedStatus,
  toStatus: RecordedStatus,
  validUntilBefore: CalendarDate('Last valid day before'),
  validUntilAfter: CalendarDate('Last valid day after (differs only for renew)'),
  reason: Type.String({ description: 'Why, as recorded' }),
  byAgencyId: Nullable(Uuid('Agency id'), { description: 'The agency whose key made the change' }),
  byKeyId: Nullable(Uuid('API key id'), { description: 'The API key that made the change' }),
  requestId: Nullable(Type.String(), { description: 'x-request-id of the request that made it' }),
  changedAt: Timestamp('When'),
  licenceVersion: Type.Integer({ description: 'The licence version after this change: its new ETag' })
}, { $id: 'LicenceTransition', additionalProperties: false, examples: [transition] })

export type LicenceTransitionApi = Static<typeof LicenceTransitionSchema>

export const TransitionPage = Page(Type.Ref('LicenceTransition'), 'Transitions, oldest first', transition)

export const DriverLookupBody = Type.Object({
  idNumber: Type.String({ minLength: 1, maxLength: 32, description: 'The driver’s resident ID number; sent in the body so that it never appears in a URL or a log' }),
  jurisdictionCode: Type.Optional(JurisdictionCode('Only certificates issued in this division or under it'))
}, { additionalProperties: false, examples: [{ idNumber: example.idNumber, jurisdictionCode: example.city }] })

export const DriverLookupResult = Type.Object({
  items: Type.Array(Type.Ref('Licence'), { maxItems: 100, description: 'The driver certificates held under this ID number that you may see' })
}, { additionalProperties: false, examples: [{ items: [driverLicence] }] })

export const VerificationRequest = Type.Object({
  type: Type.Optional(LicenceType),
  number: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The licence number; with type. A driver certificate numbered with the driver’s ID number is verified with POST, never with the number in a URL' })),
  jurisdiction: Type.Optional(JurisdictionCode('Only licences issued in this division or under it')),
  plate: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'Instead of type and number: a plate, for its vehicle certificate (percent-encoded, e.g. %E7%B2%A4A12345 for 粤A12345); one that is not a valid GA 36 plate is refused with invalid_plate, so a typo is not mistaken for an unlicensed vehicle' }))
}, { additionalProperties: false, examples: [{ plate: example.plate }, { type: 'driver_certificate', number: example.idNumber }] })

export type VerifyRequest = Static<typeof VerificationRequest>

export const VerificationSchema = Type.Object({
  valid: Type.Boolean({ description: 'True when at least one matching licence is in force today' }),
  matches: Type.Array(Type.Object({
    type: LicenceType,
    number: Type.String({ description: 'The licence number' }),
    jurisdictionCode: JurisdictionCode('Where it was issued'),
    jurisdictionName: Type.String({ description: 'That jurisdiction’s name' }),
    status: Status,
    valid: Type.Boolean({ description: 'In force today (in the jurisdiction’s time zone)' }),
    validFrom: CalendarDate('First valid day'),
    validUntil: CalendarDate('Last valid day'),
    plate: Nullable(Type.String(), { description: 'Vehicle certificates: the plate' }),
    holderName: Nullable(Type.String(), { description: 'The enterprise holding it or served by the vehicle or driver; never a person' })
  }, { additionalProperties: false }), { maxItems: 20, description: 'Matching licences, newest first; never personal data' })
}, {
  $id: 'LicenceVerification',
  additionalProperties: false,
  examples: [{
    valid: true,
    matches: [{ type: 'vehicle_certificate', number: example.vehicleNumber, jurisdictionCode: example.city, jurisdictionName: '广州市', status: 'active', valid: true, validFrom: example.validFrom, validUntil: example.validUntil, plate: example.plate, holderName: example.enterpriseNameZh }]
  }]
})

export type VerificationApi = Static<typeof VerificationSchema>
