import { apiModule } from '../../lib/module.js'
import { auditRoutes } from './routes.js'
import { AuditEventSchema } from './schemas.js'

/** The audit trail, its verification, and the change feed. */
export default apiModule('audit', [AuditEventSchema], (v1) => v1.register(auditRoutes))
