import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { rowsAsSet, type Column } from '../src/db/columns.js'
import { copiedAll, copyText } from '../src/db/copy.js'
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
    from ${rowsAsSet(rows, 's', columns)}`)).map((r): Record<string, unknown> => ({ ...r, big: Number(r.big), doc: JSON.parse(r.doc as string) }))
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

t.test('rows copied in arrive as sent; a batch that breaks a unique constraint writes nothing and says so', async (t) => {
  const app = await testApp(t)
  await app.db.execute(sql`create table copied (id int primary key, word text, at timestamptz, flag boolean, doc jsonb)`)
  type Copied = { id: number, word: string | null, at: string | null, flag: boolean | null, doc: string }
  const copyColumns: Array<Column<Copied>> = [['id', 'int', (r) => r.id], ['word', 'text', (r) => r.word], ['at', 'timestamptz', (r) => r.at], ['flag', 'boolean', (r) => r.flag], ['doc', 'jsonb', (r) => r.doc]]
  const rows: Copied[] = [
    { id: 1, word: 'tab\there, new\nline, return\r, back\\slash, \\N, \\.', at: '2026-09-30T16:00:00.123Z', flag: true, doc: '{"a":"b\\\\c"}' },
    { id: 2, word: null, at: null, flag: null, doc: '[]' },
    { id: 3, word: '粤AD12345', at: '1999-12-31T23:59:59.999Z', flag: false, doc: '"\\t"' }
  ]
  const read = async () => rowsOf<Record<string, unknown>>(await app.db.execute(sql`
    select id, word, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, flag, doc::text as doc from copied order by id`))
    .map((r): Record<string, unknown> => ({ ...r, doc: JSON.stringify(JSON.parse(r.doc as string)) }))
  t.equal(await app.db.transaction((tx) => copiedAll(tx, 'copied', copyColumns, rows)), true)
  t.same(await read(), rows.map((r) => ({ ...r, doc: JSON.stringify(JSON.parse(r.doc)) })), 'every value as sent, escapes and NULLs included')
  t.equal(copyText([rows[0]!], copyColumns).split('\n').length, 2, 'one line a row')

  // Row 4 is new, row 2 is not: the copy stops, its savepoint is rolled back, the transaction goes on.
  const after = await app.db.transaction(async (tx) => {
    const copied = await copiedAll(tx, 'copied', copyColumns, [{ ...rows[1]!, id: 4 }, rows[1]!])
    await tx.execute(sql`insert into copied (id, doc) values (5, 'null')`)
    return copied
  })
  t.equal(after, false, 'the duplicate is reported')
  t.same((await read()).map((r) => r.id), [1, 2, 3, 5], 'nothing of the refused batch landed; the rest of its transaction did')
  t.equal(await app.db.transaction((tx) => copiedAll(tx, 'copied', copyColumns, [])), true, 'no rows: nothing to do')
})

t.test('identifiers compare byte by byte: order ids, plates and driver hashes are collated "C"', async (t) => {
  const app = await testApp(t)
  const collations = rowsOf<{ col: string, collation: string | null }>(await app.db.execute(sql`
    select table_name || '.' || column_name as col, collation_name as collation from information_schema.columns
    where table_schema = current_schema() and (table_name, column_name) in (('orders', 'order_id'), ('orders', 'plate'), ('orders', 'driver_id_hash'),
      ('order_complaints', 'order_id'), ('licences', 'plate'), ('licences', 'driver_id_hash'))
    order by 1`))
  t.same(collations, ['licences.driver_id_hash', 'licences.plate', 'order_complaints.order_id', 'orders.driver_id_hash', 'orders.order_id', 'orders.plate'].map((col) => ({ col, collation: 'C' })))
  // So order ids sort the same on every server, whatever its locale: by bytes, upper case before lower.
  await app.db.execute(sql`create temporary table ids as select order_id from orders where false`)
  await app.db.execute(sql`insert into ids values ('b-2'), ('B-2'), ('a_1'), ('A-1'), ('粤A1'), ('a-1')`)
  t.same(rowsOf<{ order_id: string }>(await app.db.execute(sql`select order_id from ids order by order_id`)).map((r) => r.order_id), ['A-1', 'B-2', 'a-1', 'a_1', 'b-2', '粤A1'])
})
