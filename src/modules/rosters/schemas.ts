import { Type, type Static } from 'typebox'
import { CalendarDate, JurisdictionCode, Page, PageQuery, Timestamp, Uuid, Version } from '../../lib/schemas.js'
import { Nullable, StringEnum, TaggedUnion } from '../../lib/typebox.js'
import { plateColours } from '../licences/table.js'

// A platform's roster lines, its roster entries as read back, and the cross-check of each against
// the licence register.

export const rosterFlags = ['add', 'update', 'delete'] as const
export const rosterVerdicts = ['licensed', 'not_yet_valid', 'expired', 'suspended', 'revoked', 'not_found', 'mismatch'] as const
export type RosterVerdict = typeof rosterVerdicts[number]

const example = {
  city: '440100',
  plate: '粤AD12345',
  vin: 'LSVAB12C5E0000004',
  vehicleCertificate: '440100运00012345',
  driverCertificate: '440100驾00004321',
  idNumber: '44010619900307123X',
  masked: '440106********123X',
  enterpriseId: '0193e5a0-5c2e-7b1a-9f3d-2a6b8c4d0e11',
  vehicleId: '0193e5a0-7a10-7c3e-8d2f-1b5c9e3a7f20',
  driverId: '0193e5a0-7a10-7c3e-8d2f-1b5c9e3a7f21',
  licenceId: '0193e5a0-6b2f-7d4e-9a1c-3e5f7b9d1c22',
  importId: '0193e5a0-7a00-7b2c-8e4d-6f1a3c5e7b90'
}

const Flag = StringEnum(rosterFlags, { description: 'add (national Flag 1): a vehicle or driver taken into service; update (2): its details changed; delete (3): taken out of service (kept in the history, with serviceUntil)' })
const serviceFrom = Type.Optional(CalendarDate('First day in service with the platform; required to add'))
const serviceUntil = Type.Optional(CalendarDate('Last day in service, if known; for delete, defaults to today'))
const cityCode = JurisdictionCode('The city (GB/T 2260) whose roster this is; a district’s code is read as its city')

export const RosterLineSchema = TaggedUnion('entry', [
  Type.Object({
    entry: Type.Literal('vehicle', { description: 'A vehicle (national baseInfoVehicle)' }),
    flag: Flag,
    jurisdictionCode: cityCode,
    plate: Type.String({ minLength: 1, maxLength: 16, description: 'The plate per GA 36 (separators and case ignored): with the city, it names the entry' }),
    plateColour: Type.Optional(StringEnum(plateColours, { description: 'Required to add' })),
    vin: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: '17-character VIN, check digit verified; required to add' })),
    certificateNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Its vehicle transport certificate’s number (运输证号); required to add' })),
    serviceFrom,
    serviceUntil
  }, { additionalProperties: false, description: 'A vehicle line' }),
  Type.Object({
    entry: Type.Literal('driver', { description: 'A driver (national baseInfoDriver)' }),
    flag: Flag,
    jurisdictionCode: cityCode,
    idNumber: Type.String({ minLength: 1, maxLength: 32, description: 'The driver’s resident ID number (GB 11643): with the city, it names the entry. Kept only as a keyed hash and a masked form' }),
    certificateNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The driver certificate’s number (驾驶员证号; in many cities the ID number itself); required to add' })),
    serviceFrom,
    serviceUntil
  }, { additionalProperties: false, description: 'A driver line' })
], {
  $id: 'RosterLine',
  description: 'One line of a roster import (application/x-ndjson): a vehicle or a driver added to, changed in, or taken out of the platform’s roster in a city',
  examples: [
    { entry: 'vehicle', flag: 'add', jurisdictionCode: example.city, plate: example.plate, plateColour: 'green', vin: example.vin, certificateNumber: example.vehicleCertificate, serviceFrom: '2024-03-01' },
    { entry: 'driver', flag: 'add', jurisdictionCode: example.city, idNumber: example.idNumber, certificateNumber: example.driverCertificate, serviceFrom: '2024-03-01' },
    { entry: 'vehicle', flag: 'delete', jurisdictionCode: example.city, plate: example.plate, serviceUntil: '2024-09-30' }
  ]
})

export type RosterLine = Static<typeof RosterLineSchema>

const check = { verdict: 'licensed', licenceId: example.licenceId, validUntil: '2028-02-29', message: 'transport certificate 440100运00012345 is in force' }

const RosterCheckSchema = Type.Object({
  verdict: StringEnum(rosterVerdicts, { description: 'What the licence register says today: licensed; not_yet_valid, expired, suspended or revoked (the certificate found is not in force); not_found (no certificate with that number in the city); mismatch (the certificate is for another plate, or another driver, than the entry)' }),
  licenceId: Nullable(Uuid('The certificate found'), { description: 'The certificate the number names in the city, if any' }),
  validUntil: Nullable(CalendarDate('Its last valid day'), { description: 'null when none was found' }),
  message: Type.String({ description: 'The verdict in words' })
}, { additionalProperties: false, description: 'The entry checked against the licence register as of now: derived when read, never stored, so a suspension or a renewal shows at once' })

const common = {
  id: Uuid('Roster entry id'),
  enterpriseId: Uuid('The platform whose roster it is'),
  jurisdictionCode: JurisdictionCode('The city'),
  serviceFrom: CalendarDate('First day in service'),
  serviceUntil: Nullable(CalendarDate('Last day in service'), { description: 'null while open-ended' }),
  inService: Type.Boolean({ description: 'On the roster now (not deleted)' }),
  removedAt: Nullable(Timestamp('When a delete took it off the roster'), { description: 'null while on the roster' }),
  version: Version,
  importId: Nullable(Uuid('The roster import that last changed it'), { description: 'null if none' }),
  createdAt: Timestamp('When it was added'),
  updatedAt: Timestamp('When it last changed'),
  check: RosterCheckSchema
}

const vehicle = {
  id: example.vehicleId,
  enterpriseId: example.enterpriseId,
  jurisdictionCode: example.city,
  plate: example.plate,
  plateColour: 'green',
  vin: example.vin,
  certificateNumber: example.vehicleCertificate,
  serviceFrom: '2024-03-01',
  serviceUntil: null,
  inService: true,
  removedAt: null,
  version: 1,
  importId: example.importId,
  createdAt: '2024-03-01T01:00:04.512Z',
  updatedAt: '2024-03-01T01:00:04.512Z',
  check
}

export const RosterVehicleSchema = Type.Object({
  ...common,
  plate: Type.String({ description: 'The plate (GA 36), upper case without separators' }),
  plateColour: StringEnum(plateColours, { description: 'The plate colour' }),
  vin: Type.String({ description: 'The VIN' }),
  certificateNumber: Type.String({ description: 'The transport certificate number the platform gave' })
}, { $id: 'RosterVehicle', additionalProperties: false, description: 'A vehicle on a platform’s roster in a city', examples: [vehicle] })

const driver = {
  id: example.driverId,
  enterpriseId: example.enterpriseId,
  jurisdictionCode: example.city,
  driverIdMasked: example.masked,
  certificateNumber: example.driverCertificate,
  serviceFrom: '2024-03-01',
  serviceUntil: null,
  inService: true,
  removedAt: null,
  version: 1,
  importId: example.importId,
  createdAt: '2024-03-01T01:00:04.512Z',
  updatedAt: '2024-03-01T01:00:04.512Z',
  check: { verdict: 'expired', licenceId: example.licenceId, validUntil: '2024-02-29', message: 'driver certificate 440100驾00004321 expired on 2024-02-29' }
}

export const RosterDriverSchema = Type.Object({
  ...common,
  driverIdMasked: Type.String({ description: 'The driver’s ID number masked (region and last four); the number itself is never stored' }),
  certificateNumber: Type.String({ description: 'The driver certificate number the platform gave (masked when it is the ID number)' })
}, { $id: 'RosterDriver', additionalProperties: false, description: 'A driver on a platform’s roster in a city', examples: [driver] })

export type RosterVehicleApi = Static<typeof RosterVehicleSchema>
export type RosterDriverApi = Static<typeof RosterDriverSchema>

const change = { id: '0193e5a0-7a10-7c3e-8d2f-1b5c9e3a7f30', action: 'added', entry: { plate: example.plate, plateColour: 'green', vin: example.vin, certificateNumber: example.vehicleCertificate, serviceFrom: '2024-03-01', serviceUntil: null }, importId: example.importId, importLine: 1, changedAt: '2024-03-01T01:00:04.512Z' }

export const RosterChangeSchema = Type.Object({
  id: Uuid('Change id'),
  action: StringEnum(['added', 'updated', 'removed'] as const, { description: 'What the line did' }),
  entry: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), { description: 'The entry’s fields as they became (a driver’s ID number only masked)' }),
  importId: Nullable(Uuid('The import'), { description: 'The roster import that made it' }),
  importLine: Nullable(Type.Integer({ minimum: 1 }), { description: 'Its line in that import' }),
  changedAt: Timestamp('When')
}, { $id: 'RosterChange', additionalProperties: false, examples: [change] })

export const RosterListQuery = Type.Object({
  ...PageQuery,
  enterprise: Type.Optional(Uuid('Only this platform’s roster (a platform sees only its own)')),
  jurisdiction: Type.Optional(JurisdictionCode('Only rosters of this city, or of the city of this district')),
  verdict: Type.Optional(StringEnum([...rosterVerdicts, 'unlicensed'] as const, { description: 'Only entries with this verdict; unlicensed: every verdict but licensed' })),
  inService: Type.Optional(Type.Boolean({ default: true, description: 'true (default): the roster as it is; false: only entries taken off it' }))
}, { additionalProperties: false })

export type RosterFilters = Omit<Static<typeof RosterListQuery>, 'limit' | 'cursor'>

export const RosterVehiclePage = Page(Type.Ref('RosterVehicle'), 'Roster vehicles in the order they were added', vehicle)
export const RosterDriverPage = Page(Type.Ref('RosterDriver'), 'Roster drivers in the order they were added', driver)
export const RosterChangePage = Page(Type.Ref('RosterChange'), 'Changes, oldest first', change)
