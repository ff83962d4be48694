import t from 'tap'
import { sql } from 'drizzle-orm'
import { rowsOf } from '../src/db/client.js'
import { testApp } from './helpers/app.js'

// The two SQL statements of a city's divisions: city_divisions (by the register's parents) and
// in_city (by the code alone, for judging orders) must agree on every city of the register.

t.test('in_city and city_divisions agree on every city of the register', async (t) => {
  const app = await testApp(t)
  const [cities] = rowsOf<{ n: number }>(await app.db.execute(sql`
    select count(*)::int as n from jurisdictions c
    where c.code in ('110000', '120000', '310000', '500000') or (c.level = 'prefecture' and c.parent_code not in ('110000', '120000', '310000', '500000'))`))
  t.ok(cities!.n >= 4, `${cities!.n} cities, each with its districts and counties`)
  const disagreements = rowsOf<{ city: string, code: string, by_parents: boolean }>(await app.db.execute(sql`
    with cities as (
      select c.code as city from jurisdictions c
      where c.code in ('110000', '120000', '310000', '500000') or (c.level = 'prefecture' and c.parent_code not in ('110000', '120000', '310000', '500000'))
    ), by_parents as (select city, d as code from cities, city_divisions(city) as d)
    select c.city, j.code, exists (select 1 from by_parents p where p.city = c.city and p.code = j.code) as by_parents
    from cities c join jurisdictions j on left(j.code, 2) = left(c.city, 2)
    where in_city(j.code, c.city) <> exists (select 1 from by_parents p where p.city = c.city and p.code = j.code)
    limit 20`))
  t.same(disagreements, [], 'no division is in a city by one and not by the other')
  t.same(rowsOf(await app.db.execute(sql`select in_city('440106', '440100') as a, in_city('440206', '440100') as b, in_city('110105', '110000') as c, in_city('120101', '110000') as d, in_city('440100', '440100') as e`)), [{ a: true, b: false, c: true, d: false, e: true }])
})
