import { apiModule } from '../../lib/module.js'
import { enterpriseRoutes } from './routes.js'
import { EnterpriseSchema, StatusChangeSchema } from './schemas.js'

/** Platform enterprises and their status history. */
export default apiModule('enterprises', [EnterpriseSchema, StatusChangeSchema], (v1) => v1.register(enterpriseRoutes))
