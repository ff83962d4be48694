import { apiModule } from '../../lib/module.js'
import { agencyRoutes } from './routes.js'
import { AgencySchema } from './schemas.js'

/** Regulators. */
export default apiModule('agencies', [AgencySchema], (v1) => v1.register(agencyRoutes))
