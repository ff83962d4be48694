import { sql, type SQL } from 'drizzle-orm'

// A batch of rows sent to PostgreSQL for a set-wise statement (an import's insert), one text
// parameter a column. An array parameter costs the driver an escaping pass over every element and
// the server a quoted-literal parse; a JSON parameter costs the server a hash table a row (6 µs
// each in json_to_recordset). A column of values joined by U+001F (the unit separator) is split by
// string_to_array at the cost of a memchr: no value this service writes holds that character, and
// a column in which one does (or holds an empty string, which the split reads as NULL) is sent as
// an array after all. Instants travel as epoch milliseconds: timestamptz_in, parsing a date and a
// zone, was the dearest part of the parse.

const separator = '\u001f'

export type ColumnType = 'int' | 'bigint' | 'text' | 'char(6)' | 'uuid' | 'date' | 'boolean' | 'jsonb' | 'timestamptz'
export type ColumnValue = string | number | boolean | Date | null | undefined
type Value = ColumnValue

/** One column: its name in the set, its type, and its value in a row (the row's place in the batch beside it). */
export type Column<R> = readonly [name: string, type: ColumnType, value: (row: R, index: number) => Value]

const epochMs = (v: Value) => v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : v

/** The column's values as one parameter, read back as an array of its type (of bigint epoch milliseconds for an instant). */
function columnParameter<R> (rows: R[], [, type, value]: Column<R>): SQL {
  const values = type === 'timestamptz' ? rows.map((r, i) => epochMs(value(r, i))) : rows.map(value)
  const arrayType = sql.raw(type === 'timestamptz' ? 'bigint' : type)
  const text = values.map((v) => v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v))
  if (text.some((t, i) => (t === '' && values[i] !== null && values[i] !== undefined) || t.includes(separator))) {
    return sql`${sql.param(values.map((v) => v ?? null))}::${arrayType}[]`
  }
  return sql`string_to_array(${text.join(separator)}, ${separator}, '')::${arrayType}[]`
}

/**
 * The rows as a FROM item `(…) as <alias>`, with the columns named: sent one text parameter a
 * column (see above), unnested together, instants turned back into timestamptz.
 */
export function rowsAsSet<R> (rows: R[], alias: string, columns: ReadonlyArray<Column<R>>): SQL {
  const shown = columns.map(([name, type], i) => type === 'timestamptz' ? `to_timestamp(c${i}::float8 / 1000) as ${name}` : `c${i} as ${name}`)
  return sql`(select ${sql.raw(shown.join(', '))} from unnest(${sql.join(columns.map((c) => columnParameter(rows, c)), sql`, `)})
    as c(${sql.raw(columns.map((_, i) => `c${i}`).join(', '))})) as ${sql.raw(alias)}`
}
