import { apiModule } from '../../lib/module.js'
import { rosterRoutes } from './routes.js'
import { RosterChangeSchema, RosterDriverSchema, RosterLineSchema, RosterVehicleSchema } from './schemas.js'

/** Platforms' rosters: the vehicles and drivers they have in service, submitted by import, checked against the licence register. */
export default apiModule('rosters', [RosterLineSchema, RosterVehicleSchema, RosterDriverSchema, RosterChangeSchema], (v1, { config, auditTrail }) =>
  v1.register(rosterRoutes, {
    auditTrail,
    maxImportLines: config.IMPORT_MAX_LINES,
    maxConcurrentImports: config.IMPORT_MAX_CONCURRENT,
    minImportBytesPerMinute: config.IMPORT_MIN_BYTES_PER_MINUTE
  }))
