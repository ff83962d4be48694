import { apiModule } from '../../lib/module.js'
import auditCheckpoints from './checkpoint-plugin.js'
import { auditRoutes } from './routes.js'
import { AuditEventSchema, auditRecordSchemas, CheckpointSchema } from './schemas.js'

/** The audit trail, its signed checkpoints and its verification, and the change feed. */
// Registered after the modules whose records it shows (its schemas refer to theirs).
export default apiModule('audit', [...auditRecordSchemas, AuditEventSchema, CheckpointSchema], async (v1, { config }) => {
  await v1.register(auditCheckpoints, { config })
  await v1.register(auditRoutes)
})
