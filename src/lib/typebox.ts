import { Type, type Static, type TSchema, type TUnsafe } from 'typebox'

// Schema shapes that client generators and fast-json-stringify both handle well.

/** A string enum as `{ type: 'string', enum }`, which client generators turn into enums. */
export function StringEnum<const T extends readonly string[]> (values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

/**
 * A nullable scalar as `type: [t, 'null']` rather than anyOf, which fast-json-stringify would
 * resolve by running a validator on every value it serialises.
 */
export function Nullable<T extends TSchema> (schema: T, options: { description?: string, examples?: unknown[] } = {}): TUnsafe<Static<T> | null> {
  const base = schema as unknown as { type: string, enum?: unknown[] }
  return Type.Unsafe<Static<T> | null>({
    ...schema,
    type: [base.type, 'null'],
    ...(base.enum ? { enum: [...base.enum, null] } : {}),
    ...options
  })
}
