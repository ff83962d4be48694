import { Type, type TUnsafe } from 'typebox'

/** A string enum as `{ type: 'string', enum }`, which client generators turn into enums. */
export function StringEnum<const T extends readonly string[]> (values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}
