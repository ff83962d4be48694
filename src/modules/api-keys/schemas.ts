import { Type, type Static } from 'typebox'
import { example } from '../../lib/examples.js'
import { Nullable, Page, PageQuery, StringEnum, Timestamp, Uuid } from '../../lib/schemas.js'
import { keyRoles } from './table.js'

const Role = StringEnum(keyRoles, { description: 'admin (agencies and keys), regulator (an agency: its jurisdiction), platform (an enterprise: its own records)' })

const apiKey = {
  id: example.keyId,
  prefix: 'k7Qm2xTb',
  role: 'regulator',
  agencyId: example.agencyId,
  enterpriseId: null,
  label: '广州市交通运输局 监管平台 (the bureau’s supervision dashboard)',
  expiresAt: '2025-03-01T00:00:00.000Z',
  revokedAt: null,
  lastUsedAt: '2024-06-03T02:14:31.000Z',
  createdAt: example.createdAt
}

export const ApiKeySchema = Type.Object({
  id: Uuid('Key id'),
  prefix: Type.String({ description: 'The non-secret part of the key (`poa_<prefix>_…`), safe to show and log' }),
  role: Role,
  agencyId: Nullable(Uuid('Agency id'), { description: 'For a regulator key: its agency' }),
  enterpriseId: Nullable(Uuid('Enterprise id'), { description: 'For a platform key: its enterprise' }),
  label: Type.String({ description: 'What the key is for, e.g. the integration or person holding it' }),
  expiresAt: Nullable(Timestamp('Instant'), { description: 'When it stops working; null for never' }),
  revokedAt: Nullable(Timestamp('Instant'), { description: 'When it was revoked; null while valid' }),
  lastUsedAt: Nullable(Timestamp('Instant'), { description: 'Last accepted use (recorded at most once a minute)' }),
  createdAt: Timestamp('When it was issued')
}, { $id: 'ApiKey', additionalProperties: false, examples: [apiKey] })

export type ApiKeyApi = Static<typeof ApiKeySchema>

export const IssuedApiKeySchema = Type.Object({
  ...ApiKeySchema.properties,
  key: Nullable(Type.String(), { description: 'The key itself. Shown only in this answer: store it now; only its hash is kept. null when the answer is an Idempotency-Key replay (the secret is never stored): revoke that key and issue another if it was lost' })
}, { $id: 'IssuedApiKey', additionalProperties: false, examples: [{ ...apiKey, lastUsedAt: null, key: 'poa_k7Qm2xTb_9vR4cW1nZ8pL3sY6tH0qJ5mB2xK7eD4fG' }] })

export const IssueApiKeyBody = Type.Object({
  role: Role,
  label: Type.String({ minLength: 1, maxLength: 200, description: 'What the key is for' }),
  agencyId: Type.Optional(Uuid('Required for a regulator key: the agency it acts for')),
  enterpriseId: Type.Optional(Uuid('Required for a platform key: the enterprise it acts for')),
  expiresAt: Type.Optional(Timestamp('When it stops working; omit for never'))
}, { additionalProperties: false, examples: [{ role: 'regulator', label: apiKey.label, agencyId: example.agencyId, expiresAt: apiKey.expiresAt }] })

export type IssueApiKey = Static<typeof IssueApiKeyBody>

export const ApiKeyListQuery = Type.Object({
  ...PageQuery,
  role: Type.Optional(Role),
  agencyId: Type.Optional(Uuid('Keys of this agency')),
  enterpriseId: Type.Optional(Uuid('Keys of this enterprise'))
}, { additionalProperties: false })

export type ApiKeyFilters = Omit<Static<typeof ApiKeyListQuery>, 'limit' | 'cursor'>

export const ApiKeyPage = Page(Type.Ref('ApiKey'), 'Keys in issue order, never with their secrets', apiKey)
