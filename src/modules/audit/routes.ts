import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { described, problemResponses } from '../../lib/schemas.js'
import { AuditPage, AuditQuery, ChangeFeedPage, ChangeFeedQuery, VerificationSchema } from './schemas.js'
import { changesAfter, listAuditEvents, verifyAuditChain } from './service.js'

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
      summary: 'Recompute the hash chain and report the first broken link',
      response: { 200: described('The verdict', VerificationSchema), ...problemResponses() }
    }
  }, async () => verifyAuditChain(app.db))

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
