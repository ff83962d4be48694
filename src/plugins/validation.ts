import { Ajv, type Options } from 'ajv'
import addFormatsImport from 'ajv-formats'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

// discriminator: a union by type (a licence) is validated as the branch its tag names, so errors
// point into that branch. verbose: an error carries the value, for wording it (see validationDetails).
const shared: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false, discriminator: true, verbose: true }

const lines = addFormats(new Ajv({ ...shared, coerceTypes: false }))

/** A validator with the same rules as a request body's, for JSON read another way (an import's lines). */
export function bodyValidator (schema: object) {
  return lines.compile(schema)
}

/**
 * Bodies are validated as sent: no type coercion ("1" is not 1, a string is not an array) and
 * unknown fields are refused, never stripped. Query, path and header strings are coerced.
 *
 * Given to Fastify as its schema controller's validator factory, so that every plugin context
 * builds its validators this way: a context that adds schemas of its own rebuilds its compiler
 * from the factory, and Fastify's default one would silently strip unknown fields.
 */
export function buildValidator (externalSchemas: unknown) {
  const strict = addFormats(new Ajv({ ...shared, coerceTypes: false }))
  const coercing = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }))
  for (const schema of Object.values(externalSchemas as Record<string, object>)) {
    strict.addSchema(schema)
    coercing.addSchema(schema)
  }
  return ({ schema, httpPart }: { schema: object, httpPart?: string }) => (httpPart === 'body' ? strict : coercing).compile(schema)
}
