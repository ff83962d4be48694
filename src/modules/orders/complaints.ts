import { sql } from 'drizzle-orm'
import { Type, type Static } from 'typebox'
import { fieldFailure, type ProblemCode } from '../../lib/problems.js'
import { dateIn } from '../licences/lifecycle.js'
import type { ImportDefinition } from '../imports/engine.js'
import { platformsOnly } from '../imports/platform-data.js'
import type { LineError } from '../imports/resource.js'
import { latestMatches } from './import.js'
import { aheadMs, implausiblyEarly, unreadableInstant } from './rules.js'
import { instant } from './schemas.js'

// Passengers' complaints about a platform's orders (the national ratedPassengerComplaint), counted
// per platform, city and day beside the orders they are about. Only what the count needs is kept:
// which order, when, whether it was handled; never what the passenger wrote.

export const ComplaintLineSchema = Type.Object({
  orderId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7E]+$', description: 'The order complained about: one the platform has sent (its city is the order’s)' }),
  complainedAt: instant('When the passenger complained'),
  resolved: Type.Optional(Type.Boolean({ description: 'Whether the platform has handled it (the national Result given); false by default. Sent again with true once handled; once handled it stays so' }))
}, {
  $id: 'ComplaintLine',
  additionalProperties: false,
  description: 'One line of a complaint import (application/x-ndjson): a passenger’s complaint about an order. The complaint’s text is not sent: it may name the passenger, and only the count is kept',
  examples: [{ orderId: 'GZ20250301081500123', complainedAt: '2025-03-01T10:02:00+08:00' }, { orderId: 'GZ20250301081500123', complainedAt: '2025-03-01T10:02:00+08:00', resolved: true }]
})

export type ComplaintLine = Static<typeof ComplaintLineSchema>

interface CheckedComplaint { orderId: string, complainedAt: string, cityCode: string, day: string, resolved: boolean }

const fail = (code: ProblemCode, pointer: string, detail: string, message: string) => fieldFailure(code, pointer, detail, message).failure

export const complaintImport: ImportDefinition<ComplaintLine, CheckedComplaint> = {
  kind: 'complaints',
  entityType: 'complaint_import',
  batchAction: 'complaint_import.batch_committed',
  lineSchema: ComplaintLineSchema,
  lineNoun: 'one complaint',
  authorize: platformsOnly('complaints', 'ride_hailing'),
  batches (ctx) {
    const enterpriseId = ctx.principal.enterpriseId!
    return {
      async check (lines) {
        const orders = await latestMatches(ctx.db, enterpriseId, [...new Set(lines.map((l) => l.input.orderId))])
        const now = Date.now()
        const rows: Array<CheckedComplaint & { line: number }> = []
        const errors: LineError[] = []
        for (const { line, input } of lines) {
          // To the second, as the national interface gives it: the same complaint sent both ways is one complaint.
          const at = new Date(Math.floor(Date.parse(input.complainedAt) / 1000) * 1000)
          const order = orders.get(input.orderId)
          const failure = Number.isNaN(at.getTime())
            ? unreadableInstant('complainedAt', input.complainedAt).failure
            : implausiblyEarly(at)
              ? fail('invalid_order_times', '/complainedAt', 'implausible_time', `complainedAt ${input.complainedAt} is before 2010: a default (such as 1970-01-01), not the time of a complaint`)
              : at.getTime() > now + aheadMs
                ? fail('invalid_order_times', '/complainedAt', 'in_the_future', `complainedAt ${input.complainedAt} is in the future`)
                : !order
                    ? fail('order_not_matched', '/orderId', 'order_not_matched', `no order ${input.orderId} of yours was received: send the order (its match) before a complaint about it`)
                    : at < order.matchedAt
                      ? fail('invalid_order_times', '/complainedAt', 'before_match', `complainedAt ${input.complainedAt} is before order ${input.orderId} was matched (${order.matchedAt.toISOString()})`)
                      : undefined
          if (failure) {
            errors.push({ line, ...failure })
            continue
          }
          const city = ctx.registry.get(order!.cityCode)!
          rows.push({ line, orderId: input.orderId, complainedAt: at.toISOString(), cityCode: city.code, day: dateIn(city.timeZone, at), resolved: input.resolved ?? false })
        }
        return { rows, errors }
      },
      async write (tx, rows, importId) {
        const p = (values: unknown[]) => sql.param(values)
        // A complaint sent again changes at most whether it was handled; it is counted once, on the day it was made.
        await tx.execute(sql`
          with input as (
            select * from unnest(${p(rows.map((r) => r.orderId))}::text[], ${p(rows.map((r) => r.complainedAt))}::timestamptz[], ${p(rows.map((r) => r.cityCode))}::char(6)[],
              ${p(rows.map((r) => r.day))}::date[], ${p(rows.map((r) => r.resolved))}::boolean[], ${p(rows.map((r) => r.line))}::int[])
              as u(order_id, complained_at, city_code, complaint_day, resolved, line)
          ), written as (
            insert into order_complaints as c (enterprise_id, order_id, complained_at, city_code, complaint_day, resolved, import_id, import_line)
            select distinct on (order_id, complained_at) ${enterpriseId}::uuid, order_id, complained_at, city_code, complaint_day, resolved, ${importId}::uuid, line
            from input order by order_id, complained_at, resolved desc, line desc
            -- Once handled, handled: a resend without Result does not undo it.
            on conflict (enterprise_id, order_id, complained_at) do update set resolved = true, import_id = excluded.import_id, import_line = excluded.import_line, updated_at = now()
              where excluded.resolved and not c.resolved
            returning city_code, complaint_day, (xmax = 0) as inserted
          )
          insert into order_compliance_daily as d (city_code, day, enterprise_id, complaints)
          select city_code, complaint_day, ${enterpriseId}::uuid, count(*) from written where inserted group by city_code, complaint_day
          on conflict (city_code, day, enterprise_id) do update set complaints = d.complaints + excluded.complaints`)
        return { applied: rows.length, errors: [] }
      },
      jurisdictionsOf: (rows) => [...new Set(rows.map((r) => r.cityCode))]
    }
  }
}
