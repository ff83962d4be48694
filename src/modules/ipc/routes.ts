import { Readable } from 'node:stream'
import { eq } from 'drizzle-orm'
import type { FastifyPluginAsync, FastifySchemaCompiler } from 'fastify'
import { Type } from 'typebox'
import { example } from '../../lib/examples.js'
import { invalidField, ProblemError } from '../../lib/problems.js'
import { described, IdempotencyHeaders, problemResponses } from '../../lib/schemas.js'
import { StringEnum } from '../../lib/typebox.js'
import { validationDetails } from '../../plugins/errors.js'
import { bodyValidator, buildValidator } from '../../plugins/validation.js'
import { enterprises } from '../enterprises/table.js'
import { platformsOnly } from '../imports/platform-data.js'
import { importRunner, type ImportRouteOptions } from '../imports/receive.js'
import { ipcImport } from './definitions.js'
import { ipcTypes, recordTypes, type IpcType } from './records.js'

// The national interface's envelope, taken as platforms push it to the Ministry's platform today.

/**
 * What one envelope may hold: the national senders push a few hundred records at a time. An
 * envelope is parsed whole before anything else is known of it, so its size bounds the memory a
 * request can take: 5,000 records of operatePay fit in 4 MiB.
 */
export const ipcLimits = { records: 5000, bodyBytes: 4 * 1024 * 1024, waitForSlotMs: 10_000 }

const records = (type: IpcType) => Type.Optional(Type.Array(Type.Ref((recordTypes[type].schema as { $id: string }).$id), {
  maxItems: ipcLimits.records,
  description: `The ${type} records, when IPCType is ${type} (a single record may be sent as an object)`
}))

export const IpcEnvelopeSchema = Type.Object({
  CompanyId: Type.String({ minLength: 1, maxLength: 32, description: 'The company: the CompanyId the Ministry assigned your enterprise (its ipcCompanyId here, set by its regulator), or its unified social credit code. An envelope of another company is refused (company_mismatch), never re-attributed' }),
  IPCType: StringEnum(ipcTypes, { description: 'The record type: the envelope carries its records under the property of that name' }),
  Source: Type.Optional(Type.Union([Type.String({ maxLength: 8 }), Type.Integer()], { description: 'The sender’s Source flag, as some uploaders send it; not kept' })),
  ...Object.fromEntries(ipcTypes.map((t) => [t, records(t)]))
}, {
  $id: 'IpcEnvelope',
  additionalProperties: false,
  description: 'An envelope of the Ministry of Transport’s ride-hailing regulatory data interface (网约车监管信息交互平台): one company’s records of one IPCType. Times are YYYYMMDDhhmmss and dates YYYYMMDD in China Standard Time, as numbers or strings; region codes GB/T 2260; coordinates integer micro-degrees with their Encrypt datum',
  examples: [{
    CompanyId: example.uscc,
    IPCType: 'orderMatch',
    orderMatch: [{ CompanyId: example.uscc, Address: 440106, OrderId: 'GZ20250301081500123', LicenseId: example.idNumber, DriverPhone: '13800000000', VehicleNo: example.plate, DistributeTime: 20250301081500, Longitude: 113361200, Latitude: 23124700, Encrypt: 1 }]
  }]
})

// The envelope's shape, without its records: they are checked one by one, so that the valid ones land.
const envelopeShape = bodyValidator(Type.Object({
  CompanyId: Type.String({ minLength: 1, maxLength: 32 }),
  IPCType: StringEnum(ipcTypes),
  Source: Type.Optional(Type.Union([Type.String({ maxLength: 8 }), Type.Integer()]))
}, { additionalProperties: true }))

/** How deep a record may nest: the interface's records are flat, so this only stops a value no record holds. */
const maxDepth = 32

/** Whether a value nests deeper than `limit` arrays and objects (iteratively: a value may nest thousands deep). */
function nestedDeeperThan (value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next
    if (node === null || typeof node !== 'object') continue
    if (depth >= limit) return true
    for (const child of Object.values(node)) pending.push([child, depth + 1])
  }
  return false
}

/** The records of a checked envelope: refused whole, writing nothing, if it is not one company's records of one known type. */
function recordsOf (body: unknown): { type: IpcType, companyId: string, records: unknown[] } {
  if (!envelopeShape(body)) {
    const errors = validationDetails(envelopeShape.errors as Parameters<typeof validationDetails>[0], 'body')
    const first = errors[0]!
    const unknownType = first.pointer === '/IPCType' && first.code === 'enum'
    const message = unknownType
      ? `IPCType ${JSON.stringify((body as { IPCType?: unknown }).IPCType)} is not taken here: send ${ipcTypes.join(', ')}`
      : `body ${first.pointer || '(root)'} ${first.message}`
    throw new ProblemError('validation_failed', message, { errors: unknownType ? [{ ...first, code: 'unknown_ipc_type', message }] : errors })
  }
  const envelope = body as Record<string, unknown> & { CompanyId: string, IPCType: IpcType }
  const type = envelope.IPCType
  const others = Object.keys(envelope).filter((k) => k !== type && k !== 'CompanyId' && k !== 'IPCType' && k !== 'Source')
  if (others.length) {
    throw invalidField('validation_failed', `/${others[0]}`, 'one_type_per_envelope', `an envelope carries the records of its IPCType (${type}) only; ${others[0]} does not belong in it`)
  }
  const held = envelope[type]
  if (held === undefined) throw invalidField('validation_failed', `/${type}`, 'required', `the ${type} records are required: the envelope carries them under the name of its IPCType`)
  if (!Array.isArray(held) && (held === null || typeof held !== 'object')) throw invalidField('validation_failed', `/${type}`, 'type', `the ${type} records are an array of records (or one record, as an object)`)
  const list = Array.isArray(held) ? held : [held]
  const deep = list.findIndex((r) => nestedDeeperThan(r, maxDepth))
  if (deep !== -1) throw invalidField('validation_failed', `/${type}/${deep}`, 'nested_too_deep', `a record of the interface is flat; this one nests more than ${maxDepth} levels deep`)
  if (list.length === 0) throw invalidField('empty_import', `/${type}`, 'empty_import', `the envelope holds no ${type} record; nothing was written, and an Idempotency-Key sent with it is still unused`)
  if (list.length > ipcLimits.records) throw invalidField('payload_too_large', `/${type}`, 'too_many_records', `an envelope holds at most ${ipcLimits.records} records; this one holds ${list.length}: send them as several envelopes`)
  return { type, companyId: envelope.CompanyId, records: list }
}

export const ipcRoutes: FastifyPluginAsync<ImportRouteOptions> = async (app, opts) => {
  const run = importRunner(app, opts)
  const authorize = platformsOnly('ride-hailing data', 'ride_hailing')
  const inherited = buildValidator(app.getSchemas()) as FastifySchemaCompiler<unknown>
  app.post('/ipc', {
    bodyLimit: ipcLimits.bodyBytes,
    config: { access: ['platform'] },
    // The envelope is checked by the handler, record by record; the other parts as on every route.
    validatorCompiler: (definition) => definition.httpPart === 'body' ? () => true : inherited(definition),
    schema: {
      operationId: 'receiveIpcEnvelope',
      tags: ['national interface'],
      summary: 'National interface: an envelope of ride-hailing records, as pushed to the Ministry’s platform',
      description: [
        'Takes the envelope `{CompanyId, IPCType, <IPCType>: [records]}` of the Ministry of Transport’s ride-hailing regulatory data interface as platforms push it today, and maps each record to the line of the native import it is: `baseInfoVehicle` and `baseInfoDriver` to the roster (as POST /v1/roster-imports; Flag 1 add, 2 update, 3 delete), `orderMatch` and `operatePay` to orders (as POST /v1/order-imports: the match is judged at DistributeTime, the payment completes it), `ratedPassengerComplaint` to the complaints counted per platform (as POST /v1/complaint-imports). `orderCreate` is checked and acknowledged, nothing of it kept: it names no driver or vehicle, and the order is kept from its match.',
        'Times are YYYYMMDDhhmmss and dates YYYYMMDD, in China Standard Time, as numbers or strings; region codes GB/T 2260; kilometres and yuan become metres and fen. Coordinates (integer micro-degrees, with their Encrypt datum) are checked and dropped: no coordinate, name, phone number or address is kept, and the driver’s LicenseId (the resident ID number) is hashed on arrival.',
        'CompanyId is the one the Ministry assigned your enterprise (its `ipcCompanyId` here, set by its regulator) or its unified social credit code; an envelope of another company is refused (403 company_mismatch), as is a record naming another. The envelope is one import of its kind: the answer is that import, whose line n is record n of the array, with every refused record’s problem code and the pointer of the national field; valid records land. Idempotency-Key as on the native imports: the same key and envelope replay the answer.',
        `At most ${ipcLimits.records} records and ${ipcLimits.bodyBytes / 1024 / 1024} MiB an envelope. A platform's envelopes are taken one at a time, like its imports: one sent while another is being taken waits up to ${ipcLimits.waitForSlotMs / 1000} s for its turn, then gets 409 import_already_running (with Retry-After).`
      ].join('\n\n'),
      headers: IdempotencyHeaders,
      body: { $ref: 'IpcEnvelope' },
      response: {
        200: described('Completed by this request continuing an interrupted import of the same envelope (a retry), or the replay of such an answer', { $ref: 'Import' }, ['Location']),
        201: described('The import the envelope made; Location names it (under /v1/roster-imports, /v1/order-imports or /v1/complaint-imports)', { $ref: 'Import' }, ['Location']),
        ...problemResponses(409, 422)
      }
    }
  }, async (request, reply) => {
    const { type, companyId, records } = recordsOf(request.body)
    await authorize(request.principal, app.db)
    const [enterprise] = await app.db.select({ uscc: enterprises.uscc, companyId: enterprises.ipcCompanyId }).from(enterprises).where(eq(enterprises.id, request.principal.enterpriseId!))
    if (!enterprise || (companyId !== enterprise.uscc && companyId !== enterprise.companyId)) {
      const yours = enterprise?.companyId ? `${enterprise.companyId} or ${enterprise.uscc}` : enterprise?.uscc ?? 'unknown'
      throw invalidField('company_mismatch', '/CompanyId', 'company_mismatch', `CompanyId ${companyId} is not your enterprise (${yours}): a platform sends its own records only`)
    }
    const lines = Readable.from(records.map((r) => Buffer.from(`${JSON.stringify(r)}\n`)), { objectMode: false })
    // The type is part of what the body is: the same records under another IPCType are another import.
    return run(ipcImport(type, companyId), request, reply, lines, { bodyTag: `IPCType ${type}`, waitMs: ipcLimits.waitForSlotMs })
  })
}
