import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { etagOf, expectedVersion, sendWithEtag } from '../../lib/preconditions.js'
import {
  described, IdempotencyHeaders, IdParams, IfMatchIdempotencyHeaders, IfNoneMatchHeaders, NotModified, PageOnlyQuery, problemResponses
} from '../../lib/schemas.js'
import type { Audit } from '../audit/trail.js'
import type { ImportRouteOptions } from '../imports/receive.js'
import { importRoutes } from '../imports/routes.js'
import { licenceImport } from './import.js'
import {
  DriverLookupBody, DriverLookupResult, LicenceListQuery, LicencePage,
  TransitionBody, TransitionPage, VerificationRequest, type IssueLicence
} from './schemas.js'
import { findDriverCertificates, findLicence, issueLicence, licencePath, licenceToApi, listLicences, listTransitions, transitionLicence } from './service.js'
import { verifyLicence } from './verification.js'

const tags = ['licences']
const licence = { $ref: 'Licence' }
// The registered IssueLicence by reference: the document names it as a component (a bulk import's
// line has the same shape), and the handler still gets its type.
const issueLicenceRef = Type.Unsafe<IssueLicence>(Type.Ref('IssueLicence'))

export type LicenceRouteOptions = ImportRouteOptions

export const licenceRoutes: FastifyPluginAsyncTypebox<LicenceRouteOptions> = async (app, opts) => {
  const hashId = app.hashPersonal
  const context = (request: FastifyRequest, audit: Audit) => ({ jurisdictions: app.jurisdictions, principal: request.principal, hashId, requestId: request.id, audit })

  app.post('/licences', {
    config: { access: ['regulator'] },
    schema: {
      operationId: 'issueLicence',
      tags,
      summary: 'Enter a licence into the register',
      description: 'Plates are checked per GA 36 (new-energy plates included, with their colour), VINs by their check digit, driver ID numbers per GB 11643; the ID number is kept only as a keyed hash and a masked form. The issuing agency must be a transport agency of the licence’s jurisdiction, and the number must be new there for the type.',
      headers: IdempotencyHeaders,
      body: issueLicenceRef,
      response: { 201: described('Issued; Location and ETag headers name it', licence, ['Location', 'ETag']), ...problemResponses(409, 422) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await issueLicence(tx, request.body, context(request, audit))
    return { statusCode: 201, headers: { location: licencePath(body.id), etag: etagOf(body.version) }, body }
  }))

  app.get('/licences', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listLicences',
      tags,
      summary: 'List licences',
      description: 'Filters combine with AND. A regulator sees the licences issued in its jurisdiction; a platform those it holds and those of the vehicles and drivers serving it. `status=expired` and `expiringWithinDays` compare with today in each licence’s jurisdiction.',
      querystring: LicenceListQuery,
      response: { 200: described('A page of licences', LicencePage), ...problemResponses(422) }
    }
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    return listLicences(app.db, request.principal, app.jurisdictions, app.cursors, limit, cursor, filters)
  })

  app.post('/licences/driver-lookup', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'findDriverCertificates',
      tags,
      summary: 'Find the driver certificates held under an ID number',
      description: 'A POST so that the ID number travels in the body, never in a URL or an access log. It is checked (GB 11643) and matched by its keyed hash.',
      body: DriverLookupBody,
      response: { 200: described('The certificates you may see', DriverLookupResult), ...problemResponses(422) }
    }
  }, async (request) => findDriverCertificates(app.db, request.principal, app.jurisdictions, hashId, request.body))

  app.get('/licences/:id', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'getLicence',
      tags,
      summary: 'Get one licence',
      params: IdParams,
      headers: IfNoneMatchHeaders,
      response: { 200: described('The licence, with its ETag', licence, ['ETag']), ...NotModified, ...problemResponses(404) }
    }
  }, async (request, reply) => {
    const row = await findLicence(app.db, request.params.id, request.principal)
    return sendWithEtag(request, reply, etagOf(row.version), () => licenceToApi(row, app.jurisdictions))
  })

  app.post('/licences/:id/transitions', {
    config: { access: ['regulator'] },
    schema: {
      operationId: 'transitionLicence',
      tags,
      summary: 'Suspend, reinstate, revoke or renew a licence',
      description: 'active ⇄ suspended; either → revoked (final); renew extends validUntil and keeps the status. An impossible move is a 409 naming the current status. Send If-Match with the licence’s ETag; the answer carries its new version.',
      params: IdParams,
      headers: IfMatchIdempotencyHeaders,
      body: TransitionBody,
      response: { 201: described('Done; the ETag header is the licence’s new version', { $ref: 'LicenceTransition' }, ['Location', 'ETag']), ...problemResponses(404, 409) }
    }
  }, async (request, reply) => app.write(request, reply, async (tx, audit) => {
    const body = await transitionLicence(tx, request.params.id, expectedVersion(request), request.body, context(request, audit))
    return { statusCode: 201, headers: { location: `${licencePath(body.licenceId)}/transitions`, etag: etagOf(body.licenceVersion) }, body }
  }))

  app.get('/licences/:id/transitions', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listLicenceTransitions',
      tags,
      summary: 'The history of a licence, oldest first',
      description: 'Every transition after issue, with who, when and why. The issue itself is the licence’s createdAt (and importId when it came by bulk import).',
      params: IdParams,
      querystring: PageOnlyQuery,
      response: { 200: described('A page of transitions', TransitionPage), ...problemResponses(404) }
    }
  }, async (request) => listTransitions(app.db, request.params.id, request.principal, app.cursors, request.query.limit, request.query.cursor))

  importRoutes(app, licenceImport, opts, {
    path: 'licence-imports',
    tags,
    senders: ['regulator'],
    readers: ['admin', 'regulator'],
    whoSees: 'A regulator sees its own agency’s imports.',
    line: 'LicenceImportLine',
    lineDescription: 'One licence as JSON per line (LicenceImportLine, the body of issueLicence); blank lines are skipped',
    operations: { send: 'importLicences', list: 'listLicenceImports', get: 'getLicenceImport', errors: 'listLicenceImportErrors' },
    summary: 'Bulk import: a stream of NDJSON licences in one request',
    about: 'Send `Content-Type: application/x-ndjson`, one licence per line shaped like the body of issueLicence, checked by the same rules.',
    tenant: 'An agency'
  })

  const verification = { 200: described('The verdict and the matching licences', { $ref: 'LicenceVerification' }), ...problemResponses(422) }
  app.get('/public/licences/verify', {
    config: { access: ['public', 'admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'verifyLicence',
      tags: ['public'],
      summary: 'Verify a licence by type and number, or a vehicle by its plate',
      description: 'For passengers and integrators: whether it is in force today, its status, validity and the enterprise holding it or served. Never personal data. Without a key it is limited per address (RATE_LIMIT_ANONYMOUS_PER_MINUTE). A number that is a resident ID number (a driver certificate numbered with the driver’s ID number) is refused here: send it to POST /v1/public/licences/verify.',
      querystring: VerificationRequest,
      response: verification
    }
  }, async (request) => verifyLicence(app.db, app.jurisdictions, hashId, request.query, 'query'))

  app.post('/public/licences/verify', {
    config: { access: ['public', 'admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'verifyLicenceInBody',
      tags: ['public'],
      summary: 'Verify a licence, the question in the body: for a number that is personal data',
      description: 'The same as GET /v1/public/licences/verify, with the same fields as JSON, so that a driver certificate numbered with the driver’s ID number can be verified without the number ever being in a URL or an access log. The answer shows that number masked.',
      body: VerificationRequest,
      response: { ...verification, ...problemResponses(422) }
    }
  }, async (request) => verifyLicence(app.db, app.jurisdictions, hashId, request.body, 'body'))
}
