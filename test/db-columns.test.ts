import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { rowsAsSet, type Column } from '../src/db/columns.js'
import { testApp } from './helpers/app.js'

// rowsAsSet sends a batch one text parameter a column, values joined by U+001F: what comes back
// must be what went in, whatever a value holds, NULLs and instants to the millisecond included.

interface Row { n: number | null, big: number, word: string | null, code: string, day: string, flag: boolean | null, at: string | null, doc: string }
const columns: Array<Column<Row>> = [
  ['n', 'int', (r) => r.n], ['big', 'bigint', (r) => r.big], ['word', 'text', (r) => r.word], ['code', 'char(6)', (r) => r.code],
  ['day', 'date', (r) => r.day], ['flag', 'boolean', (r) => r.flag], ['at', 'timestamptz', (r) => r.at], ['doc', 'jsonb', (r) => r.doc]
]

t.test('a set of rows comes back as it was sent', async (t) => {
  const app = await testApp(t)
  const read = async (rows: Row[]) => rowsOf<Record<string, unknown>>(await app.db.execute(sql`
    select n, big::text as big, word, code, day::text as day, flag, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, doc::text as doc
    from ${rowsAsSet(rows, 's', columns)}`)).map((r) => ({ ...r, big: Number(r.big), doc: JSON.parse(r.doc as string) }))
  const plain: Row[] = [
    { n: 1, big: 9_007_199_254_740_991, word: 'GZ-0001 {a,b} "q" \\', code: '440106', day: '2026-09-30', flag: true, at: '2026-09-30T16:00:00.123Z', doc: '{"a":"\\u001f"}' },
    { n: null, big: -5, word: null, code: '110000', day: '2024-02-29', flag: null, at: null, doc: '[]' },
    { n: -2147483648, big: 0, word: '粤AD12345', code: '440100', day: '1999-12-31', flag: false, at: '1970-01-01T00:00:00.000Z', doc: 'null' }
  ]
  const expected = (rows: Row[]) => rows.map((r) => ({ ...r, doc: JSON.parse(r.doc) }))
  t.same(await read(plain), expected(plain), 'text, numbers, NULLs, booleans, dates and instants to the millisecond')
  // A value holding the separator, or an empty string (the split's NULL): that column goes as an array.
  const awkward = [{ ...plain[0]!, word: 'a\u001fb' }, { ...plain[1]!, word: '' }]
  t.same(await read(awkward), expected(awkward), 'the separator and the empty string survive')
  t.same(await read([]), [], 'no rows, no rows')
  const instants = Array.from({ length: 500 }, (_, i) => ({ ...plain[0]!, at: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 7_777_777 + i).toISOString() }))
  t.same((await read(instants)).map((r) => r.at), instants.map((r) => r.at), 'every instant to its millisecond')
})
