import { Type, type Static } from 'typebox'
import { CalendarDate, JurisdictionCode, Page, PageQuery, StringEnum, Nullable } from '../../lib/schemas.js'
import { jurisdictionLevels } from './table.js'

const tianhe = {
  code: '440106',
  nameZh: '天河区',
  nameEn: 'Tianhe District',
  level: 'district',
  parentCode: '440100',
  status: 'current',
  effectiveFrom: null,
  effectiveTo: null,
  successorCode: null,
  predecessorCodes: [],
  timeZone: 'Asia/Shanghai'
}

export const JurisdictionSchema = Type.Object({
  code: JurisdictionCode('GB/T 2260 six-digit division code'),
  nameZh: Type.String({ description: 'Official Chinese name', examples: ['天河区'] }),
  nameEn: Type.String({ description: 'English name', examples: ['Tianhe District'] }),
  level: StringEnum(jurisdictionLevels, { description: 'province (incl. municipalities), prefecture (city), district, or county (incl. county-level city)' }),
  parentCode: Nullable(JurisdictionCode('GB/T 2260 code'), { description: 'Code of the division above; null for a province' }),
  status: StringEnum(['current', 'abolished'], { description: 'abolished codes stay readable as aliases of their successor' }),
  effectiveFrom: Nullable(CalendarDate('Date'), { description: 'First day the code is in force, where recorded' }),
  effectiveTo: Nullable(CalendarDate('Date'), { description: 'Day the code was abolished; null while in force' }),
  successorCode: Nullable(JurisdictionCode('GB/T 2260 code'), { description: 'For an abolished code: the code that replaced it' }),
  predecessorCodes: Type.Array(JurisdictionCode('Abolished code'), { description: 'Abolished codes merged into this one' }),
  timeZone: Type.String({ description: 'IANA time zone for calendar dates (validity, deadlines) here', examples: ['Asia/Shanghai'] })
}, { $id: 'Jurisdiction', additionalProperties: false, examples: [tianhe] })

export type JurisdictionApi = Static<typeof JurisdictionSchema>

export const JurisdictionListQuery = Type.Object({
  ...PageQuery,
  parent: Type.Optional(JurisdictionCode('Only the direct children of this division')),
  level: Type.Optional(StringEnum(jurisdictionLevels, { description: 'Only divisions of this level' })),
  status: Type.Optional(StringEnum(['current', 'abolished'], { description: 'Only current or only abolished codes' }))
}, { additionalProperties: false })

export const JurisdictionPage = Page(Type.Ref('Jurisdiction'), 'Divisions in code order', tianhe)

// A path parameter is always sent, so its example is one to try: Tianhe district.
export const CodeParams = Type.Object({
  code: Type.String({ pattern: '^[0-9]{6}$', description: 'GB/T 2260 code; an abolished code answers with its own record, naming its successor', examples: ['440106'] })
}, { additionalProperties: false })
