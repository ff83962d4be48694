import { Type, type Static } from 'typebox'
import { example } from '../../lib/examples.js'
import { JurisdictionCode, Page, PageQuery, Timestamp, Uuid, Warning, StringEnum, Nullable, Version } from '../../lib/schemas.js'
import { enterpriseStatuses, sectors } from './table.js'

const Sector = StringEnum(sectors, { description: 'ride_hailing (网约车), bike_share (互联网租赁自行车), car_share (分时租赁)' })
const Status = StringEnum(enterpriseStatuses, { description: 'active, suspended (may resume) or exited (final)' })
const NameZh = Type.String({ minLength: 1, maxLength: 200, description: 'Registered legal name in Chinese', examples: ['广州示例出行科技有限公司'] })
const NameEn = Nullable(Type.String({ minLength: 1, maxLength: 200 }), { description: 'English name, if any', examples: ['Guangzhou Example Mobility Technology Co., Ltd.'] })
const IpcCompanyId = Nullable(Type.String({ minLength: 1, maxLength: 32, pattern: '^[\\x21-\\x7E]+$' }), { description: 'The CompanyId the Ministry of Transport assigned it for the ride-hailing data interface (公司标识), if any: envelopes to POST /v1/ipc may name it by this or by its USCC. Unique', examples: ['kuaixing'] })
const Sectors = Type.Array(Sector, { minItems: 1, maxItems: 3, uniqueItems: true, description: 'Sectors it operates in' })
const JurisdictionCodes = Type.Array(JurisdictionCode('GB/T 2260 code'), { minItems: 1, maxItems: 100, uniqueItems: true, description: 'Divisions it operates in; an abolished code is recorded as its successor' })

const enterprise = {
  id: example.enterpriseId,
  uscc: example.uscc,
  nameZh: example.enterpriseNameZh,
  nameEn: example.enterpriseNameEn,
  ipcCompanyId: 'kuaixing',
  sectors: ['ride_hailing'],
  jurisdictionCodes: ['440106', '440112'],
  status: 'active',
  version: 1,
  createdAt: example.createdAt,
  updatedAt: example.updatedAt,
  warnings: []
}

export const EnterpriseSchema = Type.Object({
  id: Uuid('Enterprise id'),
  uscc: Type.String({ minLength: 18, maxLength: 18, description: 'Unified Social Credit Code (GB 32100-2015)', examples: [example.uscc] }),
  nameZh: NameZh,
  nameEn: NameEn,
  ipcCompanyId: IpcCompanyId,
  sectors: Sectors,
  jurisdictionCodes: JurisdictionCodes,
  status: Status,
  version: Version,
  createdAt: Timestamp('When it was registered here'),
  updatedAt: Timestamp('When it last changed'),
  warnings: Type.Array(Warning, { description: 'Things accepted but worth a look, e.g. an embedded organisation code that fails its own check' })
}, { $id: 'Enterprise', additionalProperties: false, examples: [enterprise] })

export type EnterpriseApi = Static<typeof EnterpriseSchema>

export const CreateEnterpriseBody = Type.Object({
  uscc: Type.String({ minLength: 1, maxLength: 64, description: 'Unified Social Credit Code; lower case is accepted and stored upper case' }),
  nameZh: NameZh,
  nameEn: Type.Optional(NameEn),
  ipcCompanyId: Type.Optional(IpcCompanyId),
  sectors: Sectors,
  jurisdictionCodes: JurisdictionCodes
}, {
  additionalProperties: false,
  examples: [{ uscc: example.uscc, nameZh: example.enterpriseNameZh, nameEn: example.enterpriseNameEn, sectors: ['ride_hailing'], jurisdictionCodes: ['440106', '440112'] }]
})

export type CreateEnterprise = Static<typeof CreateEnterpriseBody>

export const UpdateEnterpriseBody = Type.Object({
  nameZh: Type.Optional(NameZh),
  nameEn: Type.Optional(NameEn),
  ipcCompanyId: Type.Optional(IpcCompanyId),
  sectors: Type.Optional(Sectors),
  jurisdictionCodes: Type.Optional(JurisdictionCodes)
}, { additionalProperties: false, minProperties: 1, description: 'Fields to change (JSON merge patch); the USCC and the status do not change here', examples: [{ jurisdictionCodes: ['440106', '440112', '440111'] }] })

export type UpdateEnterprise = Static<typeof UpdateEnterpriseBody>

export const EnterpriseListQuery = Type.Object({
  ...PageQuery,
  sector: Type.Optional(Sector),
  jurisdiction: Type.Optional(JurisdictionCode('Operating in this division or any division under it (a city includes its districts)')),
  status: Type.Optional(Status),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Chinese or English name contains this, ignoring case' })),
  uscc: Type.Optional(Type.String({ minLength: 18, maxLength: 18, description: 'Exactly this USCC' }))
}, { additionalProperties: false })

export type EnterpriseFilters = Omit<Static<typeof EnterpriseListQuery>, 'limit' | 'cursor'>

export const EnterprisePage = Page(Type.Ref('Enterprise'), 'Enterprises in registration order', enterprise)

const statusChange = {
  id: example.statusChangeId,
  enterpriseId: example.enterpriseId,
  fromStatus: 'active',
  toStatus: 'suspended',
  reason: '未按期完成整改，暂停新增运力 (rectification overdue: no new capacity)',
  changedAt: '2024-06-03T02:15:00.000Z',
  requestId: example.requestId,
  enterpriseVersion: 2
}

export const StatusChangeSchema = Type.Object({
  id: Uuid('Status change id'),
  enterpriseId: Uuid('Enterprise id'),
  fromStatus: Nullable(Status, { description: 'null for the registration itself' }),
  toStatus: Status,
  reason: Type.String({ description: 'Why, as recorded by the regulator' }),
  changedAt: Timestamp('When'),
  requestId: Nullable(Type.String(), { description: 'x-request-id of the request that made the change' }),
  enterpriseVersion: Type.Integer({ description: 'The enterprise version after this change: its new ETag' })
}, { $id: 'EnterpriseStatusChange', additionalProperties: false, examples: [statusChange] })

export type StatusChangeApi = Static<typeof StatusChangeSchema>

export const ChangeStatusBody = Type.Object({
  status: Status,
  reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Why; kept in the history' })
}, { additionalProperties: false, examples: [{ status: 'suspended', reason: statusChange.reason }] })

export const StatusChangePage = Page(Type.Ref('EnterpriseStatusChange'), 'Status changes, oldest first', statusChange)
