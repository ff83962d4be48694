import { sql, type SQL } from 'drizzle-orm'

/** A check that a text column holds one of the values its code knows (the list is the code's own, never input). */
export function oneOf (column: string, values: readonly string[], nullable = false): SQL {
  const list = values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')
  return sql.raw(nullable ? `${column} is null or ${column} in (${list})` : `${column} in (${list})`)
}
