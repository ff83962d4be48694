import { Type } from 'typebox'
import { JurisdictionCode, Nullable, Page, StringEnum, Timestamp, Uuid } from '../../lib/schemas.js'

const Json = (description: string) => Type.Unsafe<unknown>({ description })

export const AuditEventSchema = Type.Object({
  seq: Type.Integer({ description: 'Position in the trail: commit order' }),
  occurredAt: Timestamp('When the change committed'),
  actor: Type.Object({
    role: StringEnum(['admin', 'regulator', 'platform', 'public'], { description: 'The role of the caller (admin also for operator commands and seeds)' }),
    keyId: Nullable(Uuid('Key id'), { description: 'The API key used; null for operator commands' }),
    agencyId: Nullable(Uuid('Agency id'), { description: 'For a regulator: its agency' }),
    enterpriseId: Nullable(Uuid('Enterprise id'), { description: 'For a platform: its enterprise' })
  }, { additionalProperties: false, description: 'Who made the change' }),
  action: Type.String({ description: 'What happened, e.g. enterprise.status_changed', examples: ['enterprise.updated'] }),
  entityType: Type.String({ description: 'enterprise, agency, api_key, …' }),
  entityId: Type.String({ description: 'Id of the changed record' }),
  enterpriseId: Nullable(Uuid('Enterprise id'), { description: 'The enterprise the change concerns, if any' }),
  jurisdictionCodes: Type.Array(JurisdictionCode('GB/T 2260 code'), { description: 'Where the record lies; 000000 for national records such as keys' }),
  requestId: Nullable(Type.String(), { description: 'x-request-id of the request that made the change' }),
  before: Json('The record before (null on creation); personal data masked'),
  after: Json('The record after; personal data masked'),
  prevHash: Type.String({ description: 'Hash of the previous event' }),
  hash: Type.String({ description: 'SHA-256 over prevHash and this event: the chain link' })
}, { $id: 'AuditEvent', additionalProperties: false })

export const AuditQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Items per page (1–200)' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The `nextCursor` of the previous page; opaque' })),
  entityType: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'Only changes to this kind of record' })),
  entityId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only changes to this record' })),
  actorKeyId: Type.Optional(Uuid('Only changes made with this API key')),
  order: Type.Optional(StringEnum(['oldest', 'newest'], { description: 'oldest first (default) or newest first' })),
  from: Type.Optional(Timestamp('Only changes at or after this instant')),
  to: Type.Optional(Timestamp('Only changes before this instant'))
}, { additionalProperties: false })

export const AuditPage = Page(Type.Ref('AuditEvent'), 'Audit events in commit order (or its reverse with order=newest)')

export const VerificationSchema = Type.Object({
  valid: Type.Boolean({ description: 'True when every link recomputes' }),
  checked: Type.Integer({ description: 'How many events were checked' }),
  lastSeq: Type.Integer({ description: 'Seq of the last event checked (0 for an empty trail)' }),
  firstBroken: Nullable(Type.Object({
    seq: Type.Integer({ description: 'The first event whose link does not hold' }),
    reason: StringEnum(['hash_mismatch', 'prev_hash_mismatch', 'missing_seq'], { description: 'hash_mismatch: the event was altered; prev_hash_mismatch: the chain was re-linked; missing_seq: an event was removed' })
  }, { additionalProperties: false }), { description: 'null when the chain holds' })
}, { additionalProperties: false })

export const ChangeSchema = Type.Object({
  seq: Type.Integer({ description: 'Position in commit order' }),
  occurredAt: Timestamp('When it committed'),
  action: Type.String({ description: 'What happened, e.g. enterprise.registered' }),
  entityType: Type.String({ description: 'enterprise, agency, api_key, …' }),
  entityId: Type.String({ description: 'Id of the changed record' }),
  href: Nullable(Type.String(), { description: 'Where to read the record now; null when the caller may not read it there (a key for anyone but an admin, an import for any agency but the one that ran it)' }),
  related: Nullable(Type.Object({
    licences: Type.String({ description: 'The licences the change entered into the register, as a licence list filtered by `importId`', examples: ['/v1/licences?importId=01939e2a-7c40-7a51-b3f2-6a4c1e9d0f21'] })
  }, { additionalProperties: false }), { description: 'Records the change made besides its own, for a `licence_import` event: an import writes one event per batch, not one per licence, so this names where the licences it entered are listed. null for other events' })
}, { additionalProperties: false })

export const ChangeFeedQuery = Type.Object({
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The `nextCursor` of the last poll; omit to start from the beginning' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Changes per answer (1–1000)' })
}, { additionalProperties: false })

export const ChangeFeedPage = Type.Object({
  items: Type.Array(ChangeSchema, { description: 'Changes the caller may see, in commit order' }),
  nextCursor: Type.String({ description: 'Poll again with after=this; it moves only past what you have been given' })
}, { additionalProperties: false })
