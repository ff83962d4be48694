import { apiModule } from '../../lib/module.js'
import { licenceRoutes } from './routes.js'
import { IssueLicenceBody, LicenceImportLine, LicenceRecordSchema, LicenceSchema, LicenceTransitionSchema, VerificationSchema } from './schemas.js'

/** The licence register: issue, lifecycle, bulk import, public verification. */
export default apiModule('licences', [LicenceSchema, LicenceRecordSchema, IssueLicenceBody, LicenceImportLine, LicenceTransitionSchema, VerificationSchema], (v1, { config, auditTrail }) =>
  v1.register(licenceRoutes, {
    auditTrail,
    maxImportLines: config.IMPORT_MAX_LINES,
    maxConcurrentImports: config.IMPORT_MAX_CONCURRENT,
    minImportBytesPerMinute: config.IMPORT_MIN_BYTES_PER_MINUTE
  }))
