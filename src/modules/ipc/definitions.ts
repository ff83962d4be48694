import type { ProblemDetail } from '../../lib/problems.js'
import { validationDetails } from '../../plugins/errors.js'
import { validatorFor, type CheckedRow, type ImportDefinition, type ParsedLine } from '../imports/engine.js'
import { platformCity, platformRules } from '../imports/platform-data.js'
import type { LineError } from '../imports/resource.js'
import { complaintImport, ComplaintLineSchema } from '../orders/complaints.js'
import { latestMatches, orderImport } from '../orders/import.js'
import { OrderLineSchema } from '../orders/schemas.js'
import { rosterImport } from '../rosters/import.js'
import { RosterLineSchema } from '../rosters/schemas.js'
import { checkOtherDates, recordTypes, type IpcRecord, type IpcType, type RecordType } from './records.js'

// A national envelope's records, imported as the native lines they map to: the same import, the
// same checks and the same writes as the native format, with every failure named by the national
// field it comes from. An envelope's records are the import's lines: line n is record n of the array.

type AnyDefinition = ImportDefinition<any, object>

/** The native import each record type feeds, and the schema of its lines. */
const natives: Record<IpcType, { definition: AnyDefinition, lineSchema: object }> = {
  baseInfoVehicle: { definition: rosterImport as AnyDefinition, lineSchema: RosterLineSchema },
  baseInfoDriver: { definition: rosterImport as AnyDefinition, lineSchema: RosterLineSchema },
  orderCreate: { definition: orderImport as AnyDefinition, lineSchema: OrderLineSchema },
  orderMatch: { definition: orderImport as AnyDefinition, lineSchema: OrderLineSchema },
  operatePay: { definition: orderImport as AnyDefinition, lineSchema: OrderLineSchema },
  ratedPassengerComplaint: { definition: complaintImport as AnyDefinition, lineSchema: ComplaintLineSchema }
}

const orderIdPattern = new RegExp((OrderLineSchema.properties.orderId as unknown as { pattern: string }).pattern)

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Renames a native line's failures by the national fields they come from: pointers, and the field names in messages. */
function nationalNames (fields: Record<string, string>) {
  const pointers = new Map(Object.entries(fields).map(([native, national]) => [`/${native}`, `/${national}`]))
  // In words only where one native field is one national field, and only a field's name (matchedAt), never a word (plate).
  const counts = new Map<string, number>()
  for (const national of Object.values(fields)) counts.set(national, (counts.get(national) ?? 0) + 1)
  const words = Object.entries(fields).filter(([native, national]) => /[A-Z]/.test(native) && counts.get(national) === 1)
  const pattern = words.length ? new RegExp(`\\b(${words.map(([native]) => escape(native)).join('|')})\\b`, 'g') : undefined
  const named = Object.fromEntries(words)
  const detail = (d: ProblemDetail): ProblemDetail => ({ ...d, pointer: pointers.get(d.pointer) ?? d.pointer, message: pattern ? d.message.replace(pattern, (w) => named[w] ?? w) : d.message })
  return (errors: LineError[]): LineError[] => errors.map((e) => ({ ...e, errors: e.errors.map(detail) }))
}

/** A record that is checked and acknowledged, with nothing of it kept (orderCreate). */
interface Acknowledged { acknowledged: true, cityCode: string }
const isAcknowledged = (row: object): row is CheckedRow<Acknowledged> => 'acknowledged' in row

/**
 * The import of one envelope's records of a type, sent by the company `companyId` names (the
 * envelope's, already found to be the caller's): a record naming another is refused, never
 * re-attributed.
 */
export function ipcImport (type: IpcType, companyId: string): AnyDefinition {
  const { definition: native, lineSchema } = natives[type]
  const spec = recordTypes[type] as RecordType<IpcType>
  const national = nationalNames(spec.fields)
  const validNative = validatorFor(lineSchema)
  return {
    kind: native.kind,
    entityType: native.entityType,
    batchAction: native.batchAction,
    lineSchema: spec.schema,
    lineNoun: `one ${type} record`,
    authorize: native.authorize,
    ...(native.findingsOf ? { findingsOf: native.findingsOf } : {}),
    batches (ctx) {
      const batches = native.batches(ctx)
      const rulesNow = platformRules(ctx)
      return {
        async check (lines: Array<ParsedLine<IpcRecord>>) {
          const orders = type === 'operatePay'
            // Only ids an order can have are looked up (one with a NUL is refused by its line's check).
            ? await latestMatches(ctx.db, ctx.principal.enterpriseId!, [...new Set(lines.map((l) => String(l.input.OrderId)).filter((id) => orderIdPattern.test(id)))])
            : new Map<string, { originCode: string, matchedAt: Date }>()
          const rules = type === 'orderCreate' ? await rulesNow() : undefined
          const mapped: Array<ParsedLine<unknown>> = []
          const acknowledged: Array<CheckedRow<Acknowledged>> = []
          const errors: LineError[] = []
          for (const { line, input } of lines) {
            if (input.CompanyId !== companyId) {
              errors.push({ line, code: 'company_mismatch', errors: [{ in: 'body', pointer: '/CompanyId', code: 'company_mismatch', message: `the record is of company ${String(input.CompanyId)}, the envelope of ${companyId}: an envelope carries one company’s records, its own` }] })
              continue
            }
            const other = checkOtherDates(input, spec)
            if (other.failure) {
              errors.push({ line, ...other.failure })
              continue
            }
            const matched = orders.get(String(input.OrderId))
            const native = spec.map(input, matched && { originCode: matched.originCode, matchedAt: matched.matchedAt.toISOString() })
            if (native.failure) {
              errors.push({ line, ...native.failure })
            } else if (native.value === null) {
              const place = platformCity(String(input.Address), rules!)
              if (place.failure) errors.push(...national([{ line, ...place.failure }]))
              else acknowledged.push({ line, acknowledged: true, cityCode: place.city.code })
            } else if (!validNative(native.value)) {
              errors.push(...national([{ line, code: 'validation_failed', errors: validationDetails(validNative.errors as Parameters<typeof validationDetails>[0], 'body') }]))
            } else {
              mapped.push({ line, input: native.value })
            }
          }
          const checked = mapped.length ? await batches.check(mapped) : { rows: [], errors: [] }
          return { rows: [...checked.rows, ...acknowledged], errors: [...errors, ...national(checked.errors)] }
        },
        // The native kind stages and writes the rows it is sent, not those only acknowledged.
        ...(batches.stage ? { stage: (rows) => batches.stage!(rows.filter((r) => !isAcknowledged(r))) } : {}),
        async write (tx, rows, importId, staged) {
          const kept = rows.filter((r) => !isAcknowledged(r))
          const written = kept.length ? await batches.write(tx, kept, importId, staged) : { applied: 0, errors: [] }
          return { ...written, applied: written.applied + rows.length - kept.length, errors: national(written.errors) }
        },
        jurisdictionsOf (rows) {
          const kept = rows.filter((r) => !isAcknowledged(r))
          return [...new Set([...batches.jurisdictionsOf(kept), ...rows.filter(isAcknowledged).map((r) => r.cityCode)])]
        },
        // The native kind's lock: an envelope's orders and a native import's are written one batch at a time alike.
        ...(batches.lockKey ? { lockKey: batches.lockKey } : {})
      }
    }
  }
}
