import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { described, problemResponses } from '../../lib/schemas.js'
import type { ImportRouteOptions } from '../imports/receive.js'
import { importRoutes } from '../imports/routes.js'
import { complaintImport } from './complaints.js'
import { orderImport } from './import.js'
import { ComplianceQuery, OrderListQuery, OrderPage, RankingQuery } from './schemas.js'
import { complianceRanking, complianceRate, dataQuality, listOrders, publishedRanking } from './service.js'

const tags = ['orders']

export const orderRoutes: FastifyPluginAsyncTypebox<ImportRouteOptions> = async (app, opts) => {
  importRoutes(app, orderImport, opts, {
    path: 'order-imports',
    tags,
    senders: ['platform'],
    readers: ['admin', 'platform'],
    whoSees: 'A platform sees its own order imports; a regulator reads the orders themselves (GET /v1/orders) and their compliance rate.',
    line: 'OrderLine',
    lineDescription: 'One order as JSON per line (OrderLine): when matched, and again when completed; blank lines are skipped',
    operations: { send: 'importOrders', list: 'listOrderImports', get: 'getOrderImport', errors: 'listOrderImportErrors' },
    summary: 'Order import: a platform’s orders as they are matched and completed, as a stream of NDJSON',
    about: 'Send `Content-Type: application/x-ndjson`, one order per line (OrderLine). Each order is judged as it arrives, at its match instant and in the city where it started: compliant when the driver held a driver certificate and the vehicle a vehicle certificate of that city, both valid that day and active at that instant by the licence history. Send an order again with its completion (departure, arrival, distance, duration, fare, pickup district) to complete it; sending it again unchanged changes nothing. A line that gives an order id already used with another match time, driver, plate or origin, or a completion that differs from the one recorded, is refused (order_conflict). The driver’s ID number is hashed on arrival; no passenger data and no coordinates are kept.',
    tenant: 'An enterprise'
  })

  importRoutes(app, complaintImport, opts, {
    path: 'complaint-imports',
    tags,
    senders: ['platform'],
    readers: ['admin', 'platform'],
    whoSees: 'A platform sees its own complaint imports; a regulator reads the complaints counted in the compliance figures (GET /v1/compliance/orders).',
    line: 'ComplaintLine',
    lineDescription: 'One complaint as JSON per line (ComplaintLine); blank lines are skipped',
    operations: { send: 'importComplaints', list: 'listComplaintImports', get: 'getComplaintImport', errors: 'listComplaintImportErrors' },
    summary: 'Complaint import: passengers’ complaints about a platform’s orders, as a stream of NDJSON',
    about: 'Send `Content-Type: application/x-ndjson`, one complaint per line (ComplaintLine): the order it is about (one already sent; else order_not_matched), when it was made, and whether it was handled. Each counts once, in the order’s city on the day it was made, beside the orders of that day (complaints and complaints per 10,000 orders in the compliance figures). Sending it again changes only whether it was handled. What the passenger wrote is not sent and not kept.',
    tenant: 'An enterprise'
  })

  app.get('/orders', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'listOrders',
      tags,
      summary: 'A city’s orders of a month, each with its verdict: find a platform’s failing orders by reason',
      description: 'A regulator reads the cities it regulates, a platform only its own orders. verdict=failing gives every order that was not compliant.',
      querystring: OrderListQuery,
      response: { 200: described('A page of orders', OrderPage), ...problemResponses(422) }
    }
  }, async (request) => {
    const { limit, cursor, ...filters } = request.query
    return listOrders(app.db, request.principal, app.jurisdictions, app.cursors, limit, cursor, filters)
  })

  app.get('/compliance/orders', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'getOrderCompliance',
      tags,
      summary: 'The order compliance rate (订单合规率) of a city, or of one platform in it, for a month or a day range',
      description: 'Computed from the orders submitted and the licence register, kept up to date as orders arrive. A city includes its districts; days are the city’s. A platform reads only its own figures.',
      querystring: ComplianceQuery,
      response: { 200: described('The figures', { $ref: 'OrderCompliance' }), ...problemResponses(422) }
    }
  }, async (request) => complianceRate(app.db, request.principal, app.jurisdictions, request.query))

  app.get('/compliance/orders/ranking', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'getOrderComplianceRanking',
      tags,
      summary: 'A city’s platforms ranked by their order compliance rate for a month',
      description: 'A platform sees only its own line of the ranking (its rank among itself); the public ranking of ended months is at GET /v1/public/compliance/ranking.',
      querystring: RankingQuery,
      response: { 200: described('The ranking', { $ref: 'ComplianceRanking' }), ...problemResponses(422) }
    }
  }, async (request) => complianceRanking(app.db, request.principal, app.jurisdictions, request.query))

  app.get('/compliance/orders/quality', {
    config: { access: ['admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'getOrderDataQuality',
      tags,
      summary: 'The data-quality checks of a city’s month, per platform: permitted without orders, zero rides, refused lines',
      description: 'The checks the Ministry’s spot checks found in real data: a platform permitted in the city that sent no order for it (orders sent for only some of its cities), rides of 0 seconds under 100 m, and the refused lines of its order imports (1970 match times, completions before the match, an order id sent again with other content). A platform sees its own line.',
      querystring: RankingQuery,
      response: { 200: described('The checks', { $ref: 'OrderDataQuality' }), ...problemResponses(422) }
    }
  }, async (request) => dataQuality(app.db, request.principal, app.jurisdictions, request.query))

  app.get('/public/compliance/ranking', {
    config: { access: ['public', 'admin', 'regulator', 'platform'] },
    schema: {
      operationId: 'getPublishedComplianceRanking',
      tags: ['public'],
      summary: 'The published order compliance rates of a city’s platforms for an ended month',
      description: 'As the Ministry publishes them: each platform’s orders, compliant orders and rate, ranked. No order data. Published once the month has ended in the city.',
      querystring: RankingQuery,
      response: { 200: described('The ranking', { $ref: 'ComplianceRanking' }), ...problemResponses(422) }
    }
  }, async (request) => publishedRanking(app.db, app.jurisdictions, request.query))
}
