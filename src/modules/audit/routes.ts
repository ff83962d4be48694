import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { described, PageOnlyQuery, problemResponses } from '../../lib/schemas.js'
import { listCheckpoints } from './checkpoints.js'
import { AuditPage, AuditQuery, ChangeFeedPage, ChangeFeedQuery, CheckpointBody, CheckpointPage, VerificationSchema } from './schemas.js'
import { changesAfter, listAuditEvents, verifyAuditChain } from './service.js'

const checkpoint = { $ref: 'AuditCheckpoint' }

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/audit', {
    config: { access: ['admin', 'regulator'] },
    schema: {
      operationId: 'listAuditEvents',
      tags: ['audit'],
      summary: 'The audit trail: every change, who made it, before and after',
      description: 'A regulator sees the changes to records in its jurisdiction. Personal data is masked.',
      querystring: AuditQuery,
      response: { 200: described('A page of audit events', AuditPage), ...problemResponses() }
    },
    // before and after are kept as they were written, in the shape their record had then: sent as
    // stored, not forced through today's schemas (the serializer would refuse an older shape).
    serializerCompiler: () => (data) => JSON.stringify(data)
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    return listAuditEvents(app.db, request.principal, app.cursors, limit, cursor, filters)
  })

  // The whole chain, every tenant's: for admins (it reveals volumes and costs a full scan).
  app.get('/audit/verify', {
    config: { access: ['admin'] },
    schema: {
      operationId: 'verifyAuditTrail',
      tags: ['audit'],
      summary: 'Recompute the hash chain, compare it with the latest checkpoint, and report the first broken link',
      description: 'Every link is recomputed, then the chain is compared with the latest signed checkpoint (from the database, or the copy file beside it if that is further on): the event signed there must still exist with the hash signed. This catches the newest events removed, or an event edited and every later hash recomputed, up to that checkpoint. To check against a checkpoint you kept yourself, POST it here.',
      response: { 200: described('The verdict', VerificationSchema), ...problemResponses() }
    }
  }, async () => verifyAuditChain(app.db, app.auditCheckpoints.signer, app.auditCheckpoints.copy))

  app.post('/audit/verify', {
    config: { access: ['admin'] },
    schema: {
      operationId: 'verifyAuditTrailAgainstCheckpoint',
      tags: ['audit'],
      summary: 'Verify the chain against a checkpoint you kept',
      description: 'The same verification as GET, compared with the checkpoint in the body, exactly as it was fetched from GET /v1/public/audit/checkpoints: a copy kept outside this service cannot be changed by anyone who can write its database. A checkpoint whose signature does not verify with this installation\'s key is reported as `checkpoint_signature_invalid`, not refused. Nothing is written.',
      body: CheckpointBody,
      response: { 200: described('The verdict', VerificationSchema), ...problemResponses() }
    }
  }, async (request) => verifyAuditChain(app.db, app.auditCheckpoints.signer, app.auditCheckpoints.copy, request.body))

  app.post('/audit/checkpoints', {
    config: { access: ['admin'] },
    schema: {
      operationId: 'signAuditCheckpoint',
      tags: ['audit'],
      summary: 'Sign the chain\'s head now',
      description: 'The service signs the head every AUDIT_CHECKPOINT_SECONDS when it has moved; this signs it now (before an export or an inspection, say). It is signed only if the chain still extends the latest checkpoint. When the head is already signed, that checkpoint is answered with 200 and nothing is written, so a retry is harmless.',
      response: {
        201: described('Signed and published', checkpoint),
        200: described('The head was already signed: that checkpoint', checkpoint),
        ...problemResponses(409)
      }
    }
  }, async (_request, reply) => {
    const { checkpoint, made } = await app.auditCheckpoints.make()
    return reply.code(made ? 201 : 200).send(checkpoint)
  })

  app.get('/public/audit/checkpoints', {
    config: { access: ['public', 'admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listAuditCheckpoints',
      tags: ['public', 'audit'],
      summary: 'Signed checkpoints of the audit chain, newest first, and the key that signs them',
      description: 'For auditors and anyone who wants to hold the service to its history: fetch these regularly and keep them. Each says that the audit event at `seq` has `hash`, signed with Ed25519 by a key kept outside the database; verify a signature with `signingKey.publicKey` over the line `platform-oversight audit checkpoint v1 seq=<seq> hash=<hash> at=<at> key=<keyId>`. The served /openapi.json carries the same key under `info.x-audit-signing-key`. An admin checks the chain against a kept checkpoint with POST /v1/audit/verify. Only the count of changes and the times of signing are disclosed, never what changed.',
      querystring: PageOnlyQuery,
      response: { 200: described('A page of checkpoints and the signing key', CheckpointPage), ...problemResponses() }
    }
  }, async (request) => ({
    signingKey: { keyId: app.auditCheckpoints.signer.keyId, algorithm: 'Ed25519' as const, publicKey: app.auditCheckpoints.signer.publicKeyPem },
    ...await listCheckpoints(app.db, app.cursors, request.query.limit, request.query.cursor)
  }))

  app.get('/events', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listChanges',
      tags: ['events'],
      summary: 'Change feed: what changed, in commit order',
      description: 'Poll with `after` set to the last `nextCursor`: nothing is missed and nothing repeats, even while writes run concurrently. Only changes the caller may see are listed.',
      querystring: ChangeFeedQuery,
      response: { 200: described('Changes after the cursor', ChangeFeedPage), ...problemResponses() }
    }
  }, async (request) => changesAfter(app.db, request.principal, app.cursors, request.query.after, request.query.limit))
}
