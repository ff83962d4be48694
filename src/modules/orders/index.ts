import { apiModule } from '../../lib/module.js'
import { importOptions } from '../imports/receive.js'
import { ComplaintLineSchema } from './complaints.js'
import { orderRoutes } from './routes.js'
import { ComplianceSchema, DataQualitySchema, OrderLineSchema, OrderSchema, RankingSchema } from './schemas.js'

/** Ride-hailing orders: submitted by import, judged against the licence register at their match time; the compliance rate. */
export default apiModule('orders', [OrderLineSchema, ComplaintLineSchema, OrderSchema, ComplianceSchema, RankingSchema, DataQualitySchema], (v1, options) =>
  v1.register(orderRoutes, importOptions(options)))
