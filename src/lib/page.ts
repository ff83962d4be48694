/** A keyset page from limit + 1 rows: the extra row only says there is more. */
export function page<R, T> (rows: R[], limit: number, toApi: (row: R) => T, cursorAfter: (last: R) => string) {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items: items.map(toApi), nextCursor: rows.length > limit && last ? cursorAfter(last) : null }
}
