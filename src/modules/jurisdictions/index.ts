import { apiModule } from '../../lib/module.js'
import { jurisdictionRoutes } from './routes.js'
import { JurisdictionSchema } from './schemas.js'

/** GB/T 2260 divisions, read-only. */
export default apiModule('jurisdictions', [JurisdictionSchema], (v1) => v1.register(jurisdictionRoutes))
