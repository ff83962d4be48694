import { Type, type Static } from 'typebox'
import { CalendarDate, JurisdictionCode, Nullable, Page, PageQuery, StringEnum, Timestamp, Uuid, Warning, Version } from '../../lib/schemas.js'
import { importStatuses, licenceStatuses, licenceTypes, plateColours, recordedStatuses, transitionActions } from './table.js'

const LicenceType = StringEnum(licenceTypes, {
  description: 'platform_permit (网络预约出租汽车经营许可证, held by an enterprise), vehicle_certificate (运输证, held by a vehicle), driver_certificate (驾驶员证, held by a driver), car_share_filing (分时租赁备案, held by an enterprise)'
})
const Status = StringEnum(licenceStatuses, { description: 'active (includes a licence whose validFrom is still ahead: see valid); suspended (may be reinstated); expired (past validUntil in the jurisdiction’s time zone, derived, never stored); revoked (final)' })
const RecordedStatus = StringEnum(recordedStatuses, { description: 'The status transitions set: active, suspended or revoked' })
const PlateColour = StringEnum(plateColours, { description: 'Plate colour (JT/T 415): blue, yellow, black, white, green (new-energy small), yellow_green (new-energy large), other' })
const Action = StringEnum(transitionActions, { description: 'suspend (active → suspended), reinstate (suspended → active), revoke (→ revoked, final), renew (extends validUntil; the status stays)' })
const LicenceNumber = Type.String({ minLength: 1, maxLength: 64, description: 'The number printed on the licence; unique per jurisdiction and type; no spaces at its ends, no control characters', examples: ['440100202400123'] })

export const LicenceSchema = Type.Object({
  id: Uuid('Licence id'),
  type: LicenceType,
  number: Type.String({ description: 'The number printed on the licence; for a driver certificate numbered with the driver’s ID number, that number masked (it is never stored)' }),
  numberIsIdNumber: Type.Boolean({ description: 'True for a driver certificate numbered with its holder’s ID number: number is masked, and a lookup by it goes in a body (driver-lookup, POST verify), never a URL' }),
  jurisdictionCode: JurisdictionCode('The city (GB/T 2260) whose transport agency issued it'),
  issuingAgencyId: Uuid('The issuing transport agency'),
  enterpriseId: Nullable(Uuid('Enterprise id'), { description: 'The holder (permits, filings) or the platform the vehicle or driver serves; null when none' }),
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
}, { $id: 'Licence', additionalProperties: false })

export type LicenceApi = Static<typeof LicenceSchema>

export const IssueLicenceBody = Type.Object({
  type: LicenceType,
  number: LicenceNumber,
  jurisdictionCode: JurisdictionCode('The city whose transport agency issues it'),
  issuingAgencyId: Uuid('A transport agency of that jurisdiction'),
  enterpriseId: Type.Optional(Nullable(Uuid('Enterprise id'), { description: 'Required for platform_permit and car_share_filing (the holder); for vehicles and drivers, the platform served, if any' })),
  validFrom: CalendarDate('First valid day'),
  validUntil: CalendarDate('Last valid day; not before validFrom'),
  plate: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'vehicle_certificate only, required: plate per GA 36 (7 characters, 8 for new-energy); separators and lower case accepted' })),
  plateColour: Type.Optional(StringEnum(plateColours, { description: 'vehicle_certificate only, required: the plate colour (JT/T 415); green or yellow_green for an 8-character new-energy plate, another colour for a 7-character plate' })),
  vin: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'vehicle_certificate only, required: 17-character VIN, check digit at position 9 verified' })),
  idNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'driver_certificate only, required: the driver’s resident ID number (GB 11643). Kept only as a keyed hash and a masked form; never stored, logged or returned' }))
}, { additionalProperties: false, description: 'A licence to enter into the register; the same shape is one line of a bulk import' })

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
  expiringWithinDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 366, description: 'Not expired, not revoked, and the last valid day is within this many days from today' }))
}, { additionalProperties: false })

export type LicenceFilters = Omit<Static<typeof LicenceListQuery>, 'limit' | 'cursor'>

export const LicencePage = Page(Type.Ref('Licence'), 'Licences in the order they were entered')

export const TransitionBody = Type.Object({
  action: Action,
  reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why; kept in the history (no NUL characters)' }),
  validUntil: Type.Optional(CalendarDate('renew only, required: the new last valid day, after the current one'))
}, { additionalProperties: false })

export type Transition = Static<typeof TransitionBody>

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
}, { $id: 'LicenceTransition', additionalProperties: false })

export type LicenceTransitionApi = Static<typeof LicenceTransitionSchema>

export const TransitionPage = Page(Type.Ref('LicenceTransition'), 'Transitions, oldest first')

export const DriverLookupBody = Type.Object({
  idNumber: Type.String({ minLength: 1, maxLength: 32, description: 'The driver’s resident ID number; sent in the body so that it never appears in a URL or a log' }),
  jurisdictionCode: Type.Optional(JurisdictionCode('Only certificates issued in this division or under it'))
}, { additionalProperties: false })

export const DriverLookupResult = Type.Object({
  items: Type.Array(Type.Ref('Licence'), { maxItems: 100, description: 'The driver certificates held under this ID number that you may see' })
}, { additionalProperties: false })

export const VerificationRequest = Type.Object({
  type: Type.Optional(LicenceType),
  number: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The licence number; with type. A driver certificate numbered with the driver’s ID number is verified with POST, never with the number in a URL' })),
  jurisdiction: Type.Optional(JurisdictionCode('Only licences issued in this division or under it')),
  plate: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'Instead of type and number: a plate, for its vehicle certificate (percent-encoded, e.g. %E7%B2%A4A12345 for 粤A12345); one that is not a valid GA 36 plate is refused with invalid_plate, so a typo is not mistaken for an unlicensed vehicle' }))
}, { additionalProperties: false })

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
}, { $id: 'LicenceVerification', additionalProperties: false })

export type VerificationApi = Static<typeof VerificationSchema>

export const ImportLineError = Type.Object({
  line: Type.Integer({ minimum: 1, description: 'Line number in the body, from 1' }),
  code: Type.String({ description: 'The problem code the line would get as a single request, e.g. invalid_plate, licence_number_taken' }),
  errors: Type.Array(Type.Ref('ProblemDetail'), { description: 'Each failure, with its pointer into the line' })
}, { $id: 'LicenceImportLineError', additionalProperties: false })

export const LicenceImportSchema = Type.Object({
  id: Uuid('Import id'),
  status: StringEnum(importStatuses, { description: 'receiving (lines still arriving), completed (every line read), interrupted (the connection ended early: retry with the same Idempotency-Key to finish)' }),
  idempotencyKey: Nullable(Type.String(), { description: 'The Idempotency-Key it was sent with' }),
  attempts: Type.Integer({ description: 'Requests that delivered this import (more than one after a retry)' }),
  lines: Type.Integer({ description: 'Lines read so far (blank lines are not counted)' }),
  applied: Type.Integer({ description: 'Lines whose licence is in the register, by this import (a retry counts the lines an earlier attempt applied)' }),
  rejected: Type.Integer({ description: 'Lines refused; see errors' }),
  startedAt: Timestamp('When the first attempt started'),
  updatedAt: Timestamp('When the counts last changed'),
  finishedAt: Nullable(Timestamp('When it completed'), { description: 'null until completed' }),
  errors: Type.Optional(Type.Array(Type.Ref('LicenceImportLineError'), { maxItems: 100, description: 'The first 100 refused lines, in the answer to the import and to GET of one import; every one is at /v1/licence-imports/{id}/errors' }))
}, { $id: 'LicenceImport', additionalProperties: false })

export type LicenceImportApi = Static<typeof LicenceImportSchema>

export const ImportErrorPage = Page(Type.Ref('LicenceImportLineError'), 'Refused lines in line order')

export const ImportListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(StringEnum(importStatuses, { description: 'Only imports in this state' })),
  idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The import sent with this Idempotency-Key: find it while its request is still streaming' }))
}, { additionalProperties: false })

export const ImportPage = Page(Type.Ref('LicenceImport'), 'Imports, newest first')
