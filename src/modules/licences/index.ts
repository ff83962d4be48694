import { apiModule } from '../../lib/module.js'
import { importOptions } from '../imports/receive.js'
import { licenceRoutes } from './routes.js'
import { IssueLicenceBody, LicenceImportLine, LicenceRecordSchema, LicenceSchema, LicenceTransitionSchema, VerificationSchema } from './schemas.js'

/** The licence register: issue, lifecycle, bulk import, public verification. */
export default apiModule('licences', [LicenceSchema, LicenceRecordSchema, IssueLicenceBody, LicenceImportLine, LicenceTransitionSchema, VerificationSchema], (v1, options) =>
  v1.register(licenceRoutes, importOptions(options)))
