import { apiModule } from '../../lib/module.js'
import { orderRoutes } from './routes.js'
import { ComplianceSchema, OrderLineSchema, OrderSchema, RankingSchema } from './schemas.js'

/** Ride-hailing orders: submitted by import, judged against the licence register at their match time; the compliance rate. */
export default apiModule('orders', [OrderLineSchema, OrderSchema, ComplianceSchema, RankingSchema], (v1, { config, auditTrail }) =>
  v1.register(orderRoutes, {
    auditTrail,
    maxImportLines: config.IMPORT_MAX_LINES,
    maxConcurrentImports: config.IMPORT_MAX_CONCURRENT,
    minImportBytesPerMinute: config.IMPORT_MIN_BYTES_PER_MINUTE
  }))
