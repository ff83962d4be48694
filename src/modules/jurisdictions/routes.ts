import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sendWithEtag } from '../../lib/preconditions.js'
import { ProblemError } from '../../lib/problems.js'
import { IfNoneMatchHeaders, NotModified, problemResponses, described } from '../../lib/schemas.js'
import { canonicalJson, sha256 } from '../../lib/canonical.js'
import { CodeParams, JurisdictionListQuery, JurisdictionPage } from './schemas.js'

const tags = ['jurisdictions']

export const jurisdictionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/public/jurisdictions', {
    config: { access: ['public', 'admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listJurisdictions',
      tags,
      summary: 'List GB/T 2260 divisions',
      description: 'The administrative divisions the service knows, in code order, including abolished codes kept as aliases.',
      querystring: JurisdictionListQuery,
      response: { 200: described('A page of divisions', JurisdictionPage), ...problemResponses() }
    }
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    const [after] = app.cursors.decode('jurisdictions', filters, cursor) ?? []
    const matching = app.jurisdictions.all.filter((j) =>
      (after === undefined || j.code > after) &&
      (filters.parent === undefined || j.parentCode === filters.parent) &&
      (filters.level === undefined || j.level === filters.level) &&
      (filters.status === undefined || j.status === filters.status))
    const items = matching.slice(0, limit)
    const last = items.at(-1)
    return { items, nextCursor: matching.length > limit && last ? app.cursors.encode('jurisdictions', filters, [last.code]) : null }
  })

  app.get('/public/jurisdictions/:code', {
    config: { access: ['public', 'admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'getJurisdiction',
      tags,
      summary: 'Get one division by code',
      params: CodeParams,
      headers: IfNoneMatchHeaders,
      response: { 200: described('The division, with its ETag', { $ref: 'Jurisdiction' }, ['ETag']), ...NotModified, ...problemResponses(404) }
    }
  }, async (request, reply) => {
    const jurisdiction = app.jurisdictions.get(request.params.code)
    if (!jurisdiction) throw new ProblemError('not_found', `No GB/T 2260 division ${request.params.code} is known`)
    return sendWithEtag(request, reply, `"${sha256(canonicalJson(jurisdiction)).slice(0, 16)}"`, () => jurisdiction)
  })
}
