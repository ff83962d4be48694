import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Audit } from '../audit/trail.js'
import { etagOf, expectedVersion, sendWithEtag } from '../../lib/preconditions.js'
import { IdempotencyHeaders, IdParams, IfMatchHeaders, IfMatchIdempotencyHeaders, IfNoneMatchHeaders, NotModified, PageOnlyQuery, problemResponses, described } from '../../lib/schemas.js'
import {
  ChangeStatusBody, CreateEnterpriseBody, EnterpriseListQuery, EnterprisePage, StatusChangePage, UpdateEnterpriseBody
} from './schemas.js'
import {
  changeEnterpriseStatus, enterprisePath, enterpriseToApi, findEnterprise, listEnterprises, listStatusChanges,
  registerEnterprise, updateEnterprise
} from './service.js'

const tags = ['enterprises']
const enterprise = { $ref: 'Enterprise' }

export const enterpriseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const context = (request: FastifyRequest, audit: Audit) => ({ jurisdictions: app.jurisdictions, requestId: request.id, principal: request.principal, audit })

  app.post('/enterprises', {
    config: { access: ['regulator'] },
    schema: {
      operationId: 'registerEnterprise',
      tags,
      summary: 'Register a platform enterprise',
      description: 'The USCC is verified with its GB 32100 check character; a USCC already registered is a 409 naming the existing enterprise. An embedded organisation code that fails its own check is accepted with a warning.',
      headers: IdempotencyHeaders,
      body: CreateEnterpriseBody,
      response: { 201: described('Registered; Location and ETag headers name it', enterprise, ['Location', 'ETag']), ...problemResponses(409, 422) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await registerEnterprise(tx, request.body, context(request, audit))
    return { statusCode: 201, headers: { location: enterprisePath(body.id), etag: etagOf(body.version) }, body }
  }))

  app.get('/enterprises', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listEnterprises',
      tags,
      summary: 'List enterprises',
      description: 'Filters combine with AND. Pages are stable while enterprises are being registered.',
      querystring: EnterpriseListQuery,
      response: { 200: described('A page of enterprises', EnterprisePage), ...problemResponses(422) }
    }
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    return listEnterprises(app.db, request.principal, app.jurisdictions, app.cursors, limit, cursor, filters)
  })

  app.get('/enterprises/:id', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'getEnterprise',
      tags,
      summary: 'Get one enterprise',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: described('The enterprise, with its ETag', enterprise, ['ETag']), ...NotModified, ...problemResponses(404) }
    }
  }, async (request, reply) => {
    const row = await findEnterprise(app.db, request.params.id, request.principal)
    return sendWithEtag(request, reply, etagOf(row.version), () => enterpriseToApi(row))
  })

  app.patch('/enterprises/:id', {
    config: { access: ['regulator'] },
    schema: {
      operationId: 'updateEnterprise',
      tags,
      summary: 'Change an enterprise’s names, sectors or jurisdictions',
      description: 'Send If-Match with the ETag last read. The status changes through status-changes, so that each keeps its reason.',
      params: IdParams,
      headers: IfMatchHeaders,
      body: UpdateEnterpriseBody,
      response: { 200: described('Changed; the ETag header is the new version', enterprise, ['ETag']), ...problemResponses(404, 409, 422) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await updateEnterprise(tx, request.params.id, expectedVersion(request), request.body, context(request, audit))
    return { statusCode: 200, headers: { etag: etagOf(body.version) }, body }
  }))

  app.post('/enterprises/:id/status-changes', {
    config: { access: ['regulator'] },
    schema: {
      operationId: 'changeEnterpriseStatus',
      tags,
      summary: 'Suspend, reinstate or record the exit of an enterprise',
      description: 'active ⇄ suspended, either → exited (final). Send If-Match with the enterprise’s ETag; the answer carries its new version.',
      params: IdParams,
      headers: IfMatchIdempotencyHeaders,
      body: ChangeStatusBody,
      response: { 201: described('Changed; the ETag header is the enterprise’s new version', { $ref: 'EnterpriseStatusChange' }, ['Location', 'ETag']), ...problemResponses(404, 409, 422) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await changeEnterpriseStatus(tx, request.params.id, expectedVersion(request), request.body, context(request, audit))
    return { statusCode: 201, headers: { location: `${enterprisePath(body.enterpriseId)}/status-changes`, etag: etagOf(body.enterpriseVersion) }, body }
  }))

  app.get('/enterprises/:id/status-changes', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listEnterpriseStatusChanges',
      tags,
      summary: 'The status history of an enterprise, oldest first',
      params: IdParams,
      querystring: PageOnlyQuery,
      response: { 200: described('A page of status changes', StatusChangePage), ...problemResponses(404) }
    }
  }, async (request) => listStatusChanges(app.db, request.params.id, request.principal, app.cursors, request.query.limit, request.query.cursor))
}
