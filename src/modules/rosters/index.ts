import { apiModule } from '../../lib/module.js'
import { importOptions } from '../imports/receive.js'
import { rosterRoutes } from './routes.js'
import { RosterChangeSchema, RosterDriverSchema, RosterLineSchema, RosterVehicleSchema } from './schemas.js'

/** Platforms' rosters: the vehicles and drivers they have in service, submitted by import, checked against the licence register. */
export default apiModule('rosters', [RosterLineSchema, RosterVehicleSchema, RosterDriverSchema, RosterChangeSchema], (v1, options) =>
  v1.register(rosterRoutes, importOptions(options)))
