import { sql } from 'drizzle-orm'
import { char, check, date, index, pgTable, text } from 'drizzle-orm/pg-core'

export const jurisdictionLevels = ['province', 'prefecture', 'district', 'county'] as const

// GB/T 2260 divisions: reference data, changed only by migrations. An abolished code keeps its
// row with effective_to and successor_code, so records that name it stay meaningful.
export const jurisdictions = pgTable('jurisdictions', {
  code: char('code', { length: 6 }).primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  level: text('level', { enum: jurisdictionLevels }).notNull(),
  parentCode: char('parent_code', { length: 6 }),
  effectiveFrom: date('effective_from'),
  effectiveTo: date('effective_to'),
  successorCode: char('successor_code', { length: 6 }),
  timeZone: text('time_zone').notNull().default('Asia/Shanghai')
}, (t) => [
  index('jurisdictions_parent_idx').on(t.parentCode),
  check('jurisdictions_code_digits', sql`${t.code} ~ '^[0-9]{6}$'`),
  check('jurisdictions_level_known', sql`${t.level} in ('province', 'prefecture', 'district', 'county')`),
  check('jurisdictions_abolished_has_successor', sql`(${t.effectiveTo} is null) = (${t.successorCode} is null)`)
])

export type JurisdictionRow = typeof jurisdictions.$inferSelect
