import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnion, type TUnsafe } from 'typebox'

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

/**
 * A union told apart by one property: `oneOf` with an OpenAPI `discriminator`. Ajv (with its
 * discriminator option) then validates only the branch the tag names, so an error points at that
 * branch's fields; client generators make one precise type per branch. The tag is each branch's
 * first property, so the serializer, which tries branches in order, rejects a wrong one at once.
 */
export function TaggedUnion<const T extends TSchema[]> (tag: string, branches: [...T], options: { $id?: string, description?: string, examples?: unknown[] } = {}): TUnsafe<Static<TUnion<T>>> {
  return Type.Unsafe<Static<TUnion<T>>>({ ...options, type: 'object', oneOf: branches, discriminator: { propertyName: tag } })
}

/**
 * An object whose `tag` says which of its fields hold what: `base` states every field in its
 * general form, each branch only the fields its tag narrows (a vehicle's plate is a string, a
 * driver's plate is null). Generated clients get one precise type per tag; the serializer, which
 * checks the branch of each value, checks a handful of fields instead of every one.
 */
export function TaggedObject<const T extends TObject[]> (tag: string, base: TProperties, branches: [...T], options: { $id?: string, description?: string, examples?: unknown[] } = {}): TUnsafe<Static<TUnion<T>>> {
  return Type.Unsafe<Static<TUnion<T>>>({
    ...options,
    type: 'object',
    properties: base,
    required: Object.keys(base),
    additionalProperties: false,
    oneOf: branches.map((branch) => ({
      type: 'object',
      description: (branch as { description?: string }).description,
      properties: Object.fromEntries(Object.entries(branch.properties).filter(([key, schema]) => key === tag || schema !== base[key])),
      required: [tag]
    })),
    discriminator: { propertyName: tag }
  })
}
