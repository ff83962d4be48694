import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { etagOf, expectedVersion, sendWithEtag } from '../../lib/preconditions.js'
import { IdempotencyHeaders, IdParams, IfMatchHeaders, IfNoneMatchHeaders, NotModified, problemResponses, described } from '../../lib/schemas.js'
import { AgencyListQuery, AgencyPage, CreateAgencyBody, UpdateAgencyBody } from './schemas.js'
import { agencyPath, agencyToApi, createAgency, findAgency, listAgencies, updateAgency } from './service.js'

const tags = ['agencies']
const agency = { $ref: 'Agency' }

export const agencyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/agencies', {
    config: { access: ['admin'] },
    schema: {
      operationId: 'createAgency',
      tags,
      summary: 'Create a regulator agency',
      headers: IdempotencyHeaders,
      body: CreateAgencyBody,
      response: { 201: described('Created; Location and ETag headers name it', agency, ['Location', 'ETag']), ...problemResponses(409, 422) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await createAgency(tx, request.body, app.jurisdictions, audit)
    return { statusCode: 201, headers: { location: agencyPath(body.id), etag: etagOf(body.version) }, body }
  }))

  app.get('/agencies', {
    config: { access: ['admin', 'regulator'] },
    schema: {
      operationId: 'listAgencies',
      tags,
      summary: 'List regulator agencies',
      querystring: AgencyListQuery,
      response: { 200: described('A page of agencies', AgencyPage), ...problemResponses(422) }
    }
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    return listAgencies(app.db, request.principal, app.jurisdictions, app.cursors, limit, cursor, filters)
  })

  app.get('/agencies/:id', {
    config: { access: ['admin', 'regulator'] },
    schema: {
      operationId: 'getAgency',
      tags,
      summary: 'Get one agency',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: described('The agency, with its ETag', agency, ['ETag']), ...NotModified, ...problemResponses(404) }
    }
  }, async (request, reply) => {
    const row = await findAgency(app.db, request.params.id, request.principal)
    return sendWithEtag(request, reply, etagOf(row.version), () => agencyToApi(row))
  })

  app.patch('/agencies/:id', {
    config: { access: ['admin'] },
    schema: {
      operationId: 'updateAgency',
      tags,
      summary: 'Change an agency',
      description: 'Send If-Match with the ETag last read.',
      params: IdParams,
      headers: IfMatchHeaders,
      body: UpdateAgencyBody,
      response: { 200: described('Changed; the ETag header is the new version', agency, ['ETag']), ...problemResponses(404, 409, 422) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await updateAgency(tx, request.params.id, expectedVersion(request), request.body, app.jurisdictions, request.principal, audit)
    // Its regulator keys act in the agency's jurisdiction: their cached principals are stale now.
    return { statusCode: 200, headers: { etag: etagOf(body.version) }, body, committed: app.forgetApiKeys }
  }))
}
