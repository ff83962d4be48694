import { apiModule } from '../../lib/module.js'
import { ImportLineErrorSchema, ImportSchema } from './schemas.js'

/** Bulk imports of every kind: the shapes they share. Each kind's routes are its own module's (importRoutes). */
export default apiModule('imports', [ImportSchema, ImportLineErrorSchema], async () => {})
