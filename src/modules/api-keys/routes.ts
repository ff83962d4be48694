import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { described, IdempotencyHeaders, IdParams, problemResponses } from '../../lib/schemas.js'
import { ApiKeyListQuery, ApiKeyPage, IssueApiKeyBody } from './schemas.js'
import { apiKeyToApi, findApiKey, issueApiKey, listApiKeys, revokeApiKey } from './service.js'

const tags = ['api-keys']
const access = ['admin'] as const

export const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api-keys', {
    config: { access },
    schema: {
      operationId: 'issueApiKey',
      tags,
      summary: 'Issue an API key',
      description: 'The key is in this answer only; store it at once. A regulator key acts for an agency, a platform key for an enterprise.',
      headers: IdempotencyHeaders,
      body: IssueApiKeyBody,
      response: { 201: described('Issued; `key` is shown this once', { $ref: 'IssuedApiKey' }, ['Location']), ...problemResponses(422) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await issueApiKey(tx, request.body, request.principal, audit)
    // A replay under the same Idempotency-Key answers without the secret: it is never stored.
    return { statusCode: 201, headers: { location: `/v1/api-keys/${body.id}` }, body, replayBody: { ...body, key: null } }
  }))

  app.get('/api-keys', {
    config: { access },
    schema: {
      operationId: 'listApiKeys',
      tags,
      summary: 'List API keys (never their secrets)',
      querystring: ApiKeyListQuery,
      response: { 200: described('A page of keys', ApiKeyPage), ...problemResponses() }
    }
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    return listApiKeys(app.db, app.cursors, limit, cursor, filters)
  })

  app.get('/api-keys/:id', {
    config: { access },
    schema: {
      operationId: 'getApiKey',
      tags,
      summary: 'Get one API key (never its secret)',
      params: IdParams,
      response: { 200: described('The key', { $ref: 'ApiKey' }), ...problemResponses(404) }
    }
  }, async (request) => apiKeyToApi(await findApiKey(app.db, request.params.id)))

  app.post('/api-keys/:id/revocation', {
    config: { access },
    schema: {
      operationId: 'revokeApiKey',
      tags,
      summary: 'Revoke an API key, effective at once',
      description: 'Refused from this answer on by the instance that answers, and by every other instance within a second: each reuses a key\'s lookup for up to a second.',
      params: IdParams,
      response: { 200: described('Revoked (revoking again changes nothing)', { $ref: 'ApiKey' }), ...problemResponses(404) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => ({ statusCode: 200, body: await revokeApiKey(tx, request.params.id, audit), committed: app.forgetApiKeys })))
}
