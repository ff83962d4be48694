import { Type } from 'typebox'
import { example } from '../../lib/examples.js'
import { exampleCursor, JurisdictionCode, Nullable, Page, StringEnum, Timestamp, Uuid } from '../../lib/schemas.js'
import { AgencySchema } from '../agencies/schemas.js'
import { EnterpriseSchema } from '../enterprises/schemas.js'
import { exampleLicence } from '../licences/schemas.js'
import { auditActions, auditEntityTypes } from './actions.js'

const Action = StringEnum(auditActions, { description: 'What happened: `<entityType>.<what happened to it>`, e.g. enterprise.status_changed, licence.suspended' })
const EntityType = StringEnum(auditEntityTypes, { description: 'The kind of record changed' })

const withoutWarnings = <P extends { warnings: unknown }> ({ warnings: _warnings, ...rest }: P) => rest

// Records as the trail keeps them: a resource as it was answered, without its derived warnings.
export const AgencyRecordSchema = Type.Object(withoutWarnings(AgencySchema.properties), { $id: 'AgencyRecord', additionalProperties: false, description: 'An agency as recorded (agency.created, agency.updated)' })
export const EnterpriseRecordSchema = Type.Object(withoutWarnings(EnterpriseSchema.properties), { $id: 'EnterpriseRecord', additionalProperties: false, description: 'An enterprise as recorded (enterprise.registered, enterprise.updated)' })

// What a move records: the fields it changed, before and after.
export const EnterpriseStatusStateSchema = Type.Object({
  status: EnterpriseSchema.properties.status,
  version: Type.Integer({ minimum: 1, description: 'The enterprise version' }),
  reason: Type.Optional(Type.String({ description: 'After only: why' }))
}, { $id: 'EnterpriseStatusState', additionalProperties: false, description: 'enterprise.status_changed: the status before, and after with the reason' })

export const LicenceStatusStateSchema = Type.Object({
  status: StringEnum(['active', 'suspended', 'revoked'], { description: 'The recorded status' }),
  validUntil: Type.String({ format: 'date', description: 'The last valid day' }),
  version: Type.Integer({ minimum: 1, description: 'The licence version' }),
  reason: Type.Optional(Type.String({ description: 'After only: why' }))
}, { $id: 'LicenceStatusState', additionalProperties: false, description: 'licence.suspended, .reinstated, .revoked, .renewed: status and validity before, and after with the reason' })

export const ImportBatchSchema = Type.Object({
  firstLine: Type.Integer({ minimum: 1, description: 'First line of the batch' }),
  lastLine: Type.Integer({ minimum: 1, description: 'Last line of the batch' }),
  applied: Type.Integer({ minimum: 0, description: 'Lines of the batch applied (licences entered into the register; roster entries added, changed or taken off)' }),
  rejected: Type.Integer({ minimum: 0, description: 'Lines of the batch refused' })
}, { $id: 'LicenceImportBatch', additionalProperties: false, description: 'licence_import.batch_committed and roster_import.batch_committed (after): one committed batch of an import' })

export const SeedSummarySchema = Type.Object({
  licences: Type.Integer({ minimum: 0, description: 'Licences the demo data entered' })
}, { $id: 'LicenceSeedSummary', additionalProperties: false, description: 'licence.seeded (after): the demo register' })

export const auditRecordSchemas = [AgencyRecordSchema, EnterpriseRecordSchema, EnterpriseStatusStateSchema, LicenceStatusStateSchema, ImportBatchSchema, SeedSummarySchema]

const Snapshot = (description: string) => Type.Union([
  ...['AgencyRecord', 'EnterpriseRecord', 'ApiKey', 'LicenceRecord', 'EnterpriseStatusState', 'LicenceStatusState', 'LicenceImportBatch', 'LicenceSeedSummary'].map((id) => Type.Ref(id)),
  Type.Null()
], { description })

const { warnings: _warnings, ...licenceRecord } = exampleLicence
const auditEvent = {
  seq: 4812,
  occurredAt: '2024-06-03T02:15:00.123Z',
  actor: { role: 'regulator', keyId: example.keyId, agencyId: example.agencyId, enterpriseId: null },
  action: 'licence.suspended',
  entityType: 'licence',
  entityId: example.licenceId,
  enterpriseId: example.enterpriseId,
  jurisdictionCodes: [example.city],
  requestId: example.requestId,
  before: { status: 'active', validUntil: licenceRecord.validUntil, version: 1 },
  after: { status: 'suspended', validUntil: licenceRecord.validUntil, version: 2, reason: '车辆未按期年检 (annual inspection overdue)' },
  prevHash: '3b9f0c2e8d1a4f6b7c5e9a0d2f4b6c8e1a3d5f7b9c0e2a4c6e8f0b2d4f6a8c0e',
  hash: '9d2e4f6a8c0b1d3f5e7a9c1e3b5d7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d'
}

export const AuditEventSchema = Type.Object({
  seq: Type.Integer({ description: 'Position in the trail: commit order' }),
  occurredAt: Timestamp('When the change committed'),
  actor: Type.Object({
    role: StringEnum(['admin', 'regulator', 'platform', 'public'], { description: 'The role of the caller (admin also for operator commands and seeds)' }),
    keyId: Nullable(Uuid('Key id'), { description: 'The API key used; null for operator commands' }),
    agencyId: Nullable(Uuid('Agency id'), { description: 'For a regulator: its agency' }),
    enterpriseId: Nullable(Uuid('Enterprise id'), { description: 'For a platform: its enterprise' })
  }, { additionalProperties: false, description: 'Who made the change' }),
  action: Action,
  entityType: EntityType,
  entityId: Type.String({ description: 'Id of the changed record' }),
  enterpriseId: Nullable(Uuid('Enterprise id'), { description: 'The enterprise the change concerns, if any' }),
  jurisdictionCodes: Type.Array(JurisdictionCode('GB/T 2260 code'), { description: 'Where the record lies; 000000 for national records such as keys' }),
  requestId: Nullable(Type.String(), { description: 'x-request-id of the request that made the change' }),
  before: Snapshot('The record before, by action: a whole record (agency, enterprise, api_key, licence) or the fields a move changed; null on creation. Personal data masked'),
  after: Snapshot('The record after, in the same shapes; personal data masked'),
  prevHash: Type.String({ description: 'Hash of the previous event' }),
  hash: Type.String({ description: 'SHA-256 over prevHash and this event: the chain link' })
}, { $id: 'AuditEvent', additionalProperties: false, examples: [auditEvent] })

export const AuditQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Items per page (1–200)' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'The `nextCursor` of the previous page; opaque' })),
  entityType: Type.Optional(StringEnum(auditEntityTypes, { description: 'Only changes to this kind of record' })),
  entityId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only changes to this record' })),
  actorKeyId: Type.Optional(Uuid('Only changes made with this API key')),
  order: Type.Optional(StringEnum(['oldest', 'newest'], { description: 'oldest first (default) or newest first' })),
  from: Type.Optional(Timestamp('Only changes at or after this instant')),
  to: Type.Optional(Timestamp('Only changes before this instant'))
}, { additionalProperties: false })

export const AuditPage = Page(Type.Ref('AuditEvent'), 'Audit events in commit order (or its reverse with order=newest)', auditEvent)

const sha256Hex = (description: string) => Type.String({ pattern: '^[0-9a-f]{64}$', description, examples: ['9f2c4e0b7a1d3c5e8f6a4b2d0c9e7f5a3b1d8c6e4f2a0b9d7c5e3f1a8b6d4c2e'] })

const exampleCheckpoint = {
  seq: 1200,
  hash: '9b1f4e7c2a5d8b3e6f0a1c4d7e2b5f8a3c6d9e0b1a4f7c2e5d8b3a6f9c0e1d4b',
  at: '2026-12-01T09:30:00.123Z',
  keyId: '3f7a9c2e5b1d8f04',
  signature: 'm0Jx3kq2Gm9s0b1Vb0v2tq7rj4l8uQ0dBzv3m2F9m7Yh5Qm8p1n4c3z6k7w2x0y9a8b7c6d5e4f3g2h1i0j9kAQ=='
}

export const CheckpointSchema = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'The event signed: the head of the chain when it was signed', examples: [1200] }),
  hash: sha256Hex('That event\'s `hash`'),
  at: Type.String({ format: 'date-time', maxLength: 40, description: 'When it was signed (UTC, milliseconds), exactly as signed', examples: ['2026-12-01T09:30:00.123Z'] }),
  keyId: Type.String({ pattern: '^[0-9a-f]{16}$', description: 'The signing key: the first 16 hex digits of SHA-256 over its public key (SPKI DER)', examples: ['3f7a9c2e5b1d8f04'] }),
  signature: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: 'Ed25519 signature, base64, over the one line `platform-oversight audit checkpoint v1 seq=<seq> hash=<hash> at=<at> key=<keyId>`', examples: ['m0Jx3kq2Gm9s0b1Vb0v2tq7rj4l8uQ0dBzv3m2F9m7Yh5Qm8p1n4c3z6k7w2x0y9a8b7c6d5e4f3g2h1i0j9kAQ=='] })
}, {
  $id: 'AuditCheckpoint',
  additionalProperties: false,
  examples: [exampleCheckpoint],
  description: 'A signed statement that the audit event at `seq` has `hash`. Keep every one you fetch: the chain can later be checked against your copy (POST /v1/audit/verify), which no one with access to the database can change.'
})

export const CheckpointBody = Type.Object(CheckpointSchema.properties, {
  additionalProperties: false,
  examples: [exampleCheckpoint],
  description: 'A checkpoint exactly as GET /v1/public/audit/checkpoints gave it'
})

export const SigningKeySchema = Type.Object({
  keyId: Type.String({ description: 'Its key id, as checkpoints name it', examples: ['3f7a9c2e5b1d8f04'] }),
  algorithm: Type.Literal('Ed25519', { description: 'Always Ed25519' }),
  publicKey: Type.String({ description: 'The public key, SPKI PEM', examples: ['-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n'] })
}, { additionalProperties: false, description: 'The key that signs this installation\'s checkpoints; it is kept outside the database, and never changes for an installation' })

export const CheckpointPage = Type.Object({
  signingKey: SigningKeySchema,
  items: Type.Array(Type.Ref('AuditCheckpoint'), { description: 'Checkpoints, newest first' }),
  nextCursor: Nullable(Type.String(), { description: 'Pass as `cursor` for the next (older) page; null on the last page' })
}, {
  additionalProperties: false,
  examples: [{
    signingKey: { keyId: '3f7a9c2e5b1d8f04', algorithm: 'Ed25519', publicKey: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n' },
    items: [exampleCheckpoint],
    nextCursor: null
  }]
})

const brokenReasons = ['hash_mismatch', 'prev_hash_mismatch', 'missing_seq', 'checkpoint_signature_invalid', 'truncated_before_checkpoint', 'checkpoint_mismatch'] as const

export const VerificationSchema = Type.Object({
  valid: Type.Boolean({ description: 'True when every link recomputes and the chain holds the checkpoint compared with' }),
  checked: Type.Integer({ description: 'How many events were checked' }),
  lastSeq: Type.Integer({ description: 'Seq of the last event checked (0 for an empty trail)' }),
  firstBroken: Nullable(Type.Object({
    seq: Type.Integer({ description: 'The first event whose link does not hold; for truncated_before_checkpoint the first event missing; for the other checkpoint findings the checkpoint\'s seq' }),
    reason: StringEnum([...brokenReasons], {
      description: 'hash_mismatch: the event was altered; prev_hash_mismatch: the chain was re-linked; missing_seq: an event was removed; ' +
        'checkpoint_signature_invalid: the checkpoint was not signed by this installation\'s key (forged, altered, or the key was changed); ' +
        'truncated_before_checkpoint: the chain ends before the signed event (its newest events were removed); ' +
        'checkpoint_mismatch: the event at the checkpoint has another hash than was signed (history was rewritten and the hashes recomputed)'
    })
  }, { additionalProperties: false }), { description: 'null when the chain holds' }),
  checkpoint: Nullable(Type.Object({
    ...CheckpointSchema.properties,
    source: StringEnum(['published', 'given'], { description: 'published: the latest this service signed (from the database, or the copy file beside it if that is further on); given: the one in the request' }),
    signatureValid: Type.Boolean({ description: 'The signature verifies with this installation\'s key' }),
    matches: Type.Boolean({ description: 'The chain holds an event at `seq` with this `hash`' })
  }, { additionalProperties: false }), { description: 'The checkpoint the chain was compared with; null when none has been signed yet' })
}, { additionalProperties: false, examples: [{ valid: true, checked: 4812, lastSeq: 4812, firstBroken: null, checkpoint: null }] })

export const ChangeSchema = Type.Object({
  seq: Type.Integer({ description: 'Position in commit order' }),
  occurredAt: Timestamp('When it committed'),
  action: Action,
  entityType: EntityType,
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
}, {
  additionalProperties: false,
  examples: [{
    items: [{ seq: 4812, occurredAt: auditEvent.occurredAt, action: 'licence.suspended', entityType: 'licence', entityId: example.licenceId, href: `/v1/licences/${example.licenceId}`, related: null }],
    nextCursor: exampleCursor
  }]
})
