import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { described, IdParams, PageOnlyQuery, problemResponses } from '../../lib/schemas.js'
import type { ImportRouteOptions } from '../imports/receive.js'
import { importRoutes } from '../imports/routes.js'
import { rosterImport } from './import.js'
import { RosterChangePage, RosterDriverPage, RosterListQuery, RosterVehiclePage } from './schemas.js'
import { findRosterEntry, listRoster, listRosterChanges } from './service.js'

const tags = ['rosters']
const readers = ['admin', 'regulator', 'platform'] as const

export const rosterRoutes: FastifyPluginAsyncTypebox<ImportRouteOptions> = async (app, opts) => {
  importRoutes(app, rosterImport, opts, {
    path: 'roster-imports',
    tags,
    senders: ['platform'],
    readers: ['admin', 'platform'],
    whoSees: 'A platform sees its own roster imports; a regulator reads the rosters themselves (GET /v1/roster/vehicles, /v1/roster/drivers).',
    line: 'RosterLine',
    lineDescription: 'One vehicle or driver as JSON per line (RosterLine), with its flag: add, update or delete; blank lines are skipped',
    operations: { send: 'importRoster', list: 'listRosterImports', get: 'getRosterImport', errors: 'listRosterImportErrors' },
    summary: 'Roster import: the vehicles and drivers a platform has in service, as a stream of NDJSON',
    about: 'Send `Content-Type: application/x-ndjson`, one vehicle or driver per line (RosterLine), each with its flag as in the national interface: add (1) takes it into service in the city, update (2) changes its details (only the fields sent), delete (3) takes it out of service, kept in its history. Lines are applied in their order. A vehicle is named by its plate, a driver by their ID number, in the city; the ID number is kept only as a keyed hash and masked. The roster is your enterprise’s own: it names no enterprise, and a city you are not registered as operating in is refused (not_operating_here). Each entry is checked against the licence register whenever it is read.',
    tenant: 'An enterprise'
  })

  for (const entry of ['vehicle', 'driver'] as const) {
    const Noun = entry === 'vehicle' ? 'Vehicle' : 'Driver'
    const collection = `/roster/${entry}s`
    app.get(collection, {
      config: { access: readers },
      schema: {
        operationId: `listRoster${Noun}s`,
        tags,
        summary: `The ${entry}s on platforms’ rosters, each checked against the licence register`,
        description: `A platform sees its own roster, a regulator those of the cities it regulates. Filter with verdict=unlicensed for the entries whose ${entry === 'vehicle' ? 'transport' : 'driver'} certificate is not in force today (not found, held by another ${entry === 'vehicle' ? 'plate' : 'driver'}, expired, not yet valid, suspended or revoked). The verdict is derived from the register when read: a suspension shows at once.`,
        querystring: RosterListQuery,
        response: { 200: described(`A page of roster ${entry}s`, entry === 'vehicle' ? RosterVehiclePage : RosterDriverPage), ...problemResponses(422) }
      }
    }, async (request) => {
      const { limit, cursor, ...filters } = request.query
      return listRoster(app.db, entry, request.principal, app.jurisdictions, app.cursors, limit, cursor, filters)
    })

    app.get(`${collection}/:id`, {
      config: { access: readers },
      schema: {
        operationId: `getRoster${Noun}`,
        tags,
        summary: `One roster ${entry}, with its check against the licence register`,
        params: IdParams,
        response: { 200: described(`The roster ${entry}`, { $ref: `Roster${Noun}` }), ...problemResponses(404) }
      }
    }, async (request) => findRosterEntry(app.db, entry, request.params.id, request.principal))

    app.get(`${collection}/:id/changes`, {
      config: { access: readers },
      schema: {
        operationId: `listRoster${Noun}Changes`,
        tags,
        summary: `The history of a roster ${entry}: every line that added, changed or removed it`,
        params: IdParams,
        querystring: PageOnlyQuery,
        response: { 200: described('A page of changes', RosterChangePage), ...problemResponses(404) }
      }
    }, async (request) => listRosterChanges(app.db, entry, request.params.id, request.principal, app.cursors, request.query.limit, request.query.cursor))
  }
}
