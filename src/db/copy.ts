import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { uniqueViolation } from './errors.js'
import type { Database } from './client.js'
import type { Column, ColumnType, ColumnValue } from './columns.js'

// Rows written by COPY: for a batch of an import whose rows are all new (the common case), the
// cheapest way into a table, at the cost of PostgreSQL's own COPY: an INSERT … SELECT of the same
// rows, with its ON CONFLICT arbiter and its RETURNING, cost half as much again. COPY has no ON
// CONFLICT: a batch that meets a unique constraint is rolled back to its savepoint, and its caller
// writes it the other way, row by row, saying which rows could not land.

const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }
const special = /[\\\t\n\r]/

/** A value as COPY's text format has it: \N for NULL; in text, backslash, tab and line ends escaped (no other type's text holds one). */
function copyValue (v: ColumnValue, type: ColumnType): string {
  if (v === null || v === undefined) return '\\N'
  if (typeof v === 'boolean') return v ? 't' : 'f'
  if (v instanceof Date) return v.toISOString()
  const text = String(v)
  return (type === 'text' || type === 'jsonb') && special.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => escapes[c]!) : text
}

/** The rows in COPY's text format, one line a row, the columns in order. */
export function copyText<R> (rows: R[], columns: ReadonlyArray<Column<R>>): string {
  let text = ''
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    for (let c = 0; c < columns.length; c++) {
      const [, type, value] = columns[c]!
      text += (c ? '\t' : '') + copyValue(value(row, i), type)
    }
    text += '\n'
  }
  return text
}

/** The driver's connection behind a handle: node-postgres's client, or PGlite's (transaction). */
const connectionOf = (db: Database) => (db as unknown as { session: { client: unknown } }).session.client

/**
 * Copies the rows into the table, in a savepoint of the transaction `tx`: true once they are all
 * there; false, with nothing written, when one of them breaks a unique constraint. Any other
 * failure is thrown. Through node-postgres's COPY FROM STDIN, or PGlite's /dev/blob.
 */
export async function copiedAll<R> (tx: Database, table: string, columns: ReadonlyArray<Column<R>>, rows: R[]): Promise<boolean> {
  if (rows.length === 0) return true
  const statement = `copy ${table} (${columns.map(([name]) => name).join(', ')}) from`
  const text = copyText(rows, columns)
  try {
    await tx.transaction(async (savepoint) => {
      const connection = connectionOf(savepoint)
      if (connection instanceof pg.Client) {
        await pipeline(Readable.from([Buffer.from(text)]), connection.query(copyFrom(`${statement} stdin`)))
      } else {
        await (connection as { query: (sql: string, params: unknown[], options: { blob: Blob }) => Promise<unknown> }).query(`${statement} '/dev/blob'`, [], { blob: new Blob([text]) })
      }
    })
    return true
  } catch (err) {
    if (uniqueViolation(err)) return false
    throw err
  }
}
