import { apiModule } from '../../lib/module.js'
import { importOptions } from '../imports/receive.js'
import { ipcTypes, recordTypes } from './records.js'
import { IpcEnvelopeSchema, ipcRoutes } from './routes.js'

/** The Ministry's ride-hailing data interface: its envelopes, taken as the native imports they map to. */
export default apiModule('ipc', [...ipcTypes.map((t) => recordTypes[t].schema), IpcEnvelopeSchema], (v1, options) =>
  v1.register(ipcRoutes, importOptions(options)))
