import { Type, type Static } from 'typebox'
import { example } from '../../lib/examples.js'
import { JurisdictionCode, Page, PageQuery, Timestamp, Uuid, Warning, StringEnum, Nullable, Version } from '../../lib/schemas.js'
import { agencyKinds } from './table.js'

const Kind = StringEnum(agencyKinds, { description: 'What kind of regulator: transport (交通运输局), market_regulation (市场监管局), cyberspace (网信办), development_reform (发改委), public_security (公安局), …' })
const NameZh = Type.String({ minLength: 1, maxLength: 200, description: 'Official Chinese name, unique in its jurisdiction', examples: ['广州市交通运输局'] })
const NameEn = Nullable(Type.String({ minLength: 1, maxLength: 200 }), { description: 'English name, if any', examples: ['Guangzhou Municipal Transport Bureau'] })

const agency = {
  id: example.agencyId,
  nameZh: example.agencyNameZh,
  nameEn: example.agencyNameEn,
  kind: 'transport',
  jurisdictionCode: example.city,
  version: 1,
  createdAt: example.createdAt,
  updatedAt: example.updatedAt,
  warnings: []
}

export const AgencySchema = Type.Object({
  id: Uuid('Agency id'),
  nameZh: NameZh,
  nameEn: NameEn,
  kind: Kind,
  jurisdictionCode: JurisdictionCode('The division it regulates (a city agency covers the city’s districts)'),
  version: Version,
  createdAt: Timestamp('When it was created here'),
  updatedAt: Timestamp('When it last changed'),
  warnings: Type.Array(Warning, { description: 'Things accepted but worth a look, e.g. an abolished jurisdiction code replaced by its successor' })
}, { $id: 'Agency', additionalProperties: false, examples: [agency] })

export type AgencyApi = Static<typeof AgencySchema>

export const CreateAgencyBody = Type.Object({
  nameZh: NameZh,
  nameEn: Type.Optional(NameEn),
  kind: Kind,
  jurisdictionCode: JurisdictionCode('GB/T 2260 code of the division it regulates')
}, { additionalProperties: false, examples: [{ nameZh: example.agencyNameZh, nameEn: example.agencyNameEn, kind: 'transport', jurisdictionCode: example.city }] })

export type CreateAgency = Static<typeof CreateAgencyBody>

export const UpdateAgencyBody = Type.Object({
  nameZh: Type.Optional(NameZh),
  nameEn: Type.Optional(NameEn),
  kind: Type.Optional(Kind),
  jurisdictionCode: Type.Optional(JurisdictionCode('GB/T 2260 code of the division it regulates'))
}, { additionalProperties: false, minProperties: 1, description: 'Fields to change (JSON merge patch)', examples: [{ nameEn: 'Transport Bureau of Guangzhou Municipality' }] })

export type UpdateAgency = Static<typeof UpdateAgencyBody>

export const AgencyListQuery = Type.Object({
  ...PageQuery,
  kind: Type.Optional(Kind),
  jurisdiction: Type.Optional(JurisdictionCode('In this division or any division under it'))
}, { additionalProperties: false })

export type AgencyFilters = Omit<Static<typeof AgencyListQuery>, 'limit' | 'cursor'>

export const AgencyPage = Page(Type.Ref('Agency'), 'Agencies in creation order', agency)
