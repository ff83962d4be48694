import { Ajv, type Options, type ValidateFunction } from 'ajv'
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

/** What is wrong with a schema as JSON Schema (draft 7, as Ajv reads it), or null when nothing is. */
export function schemaErrors (schema: object): string | null {
  return lines.validateSchema(schema) ? null : lines.errorsText(lines.errors)
}

/**
 * Bodies are validated as sent: no type coercion ("1" is not 1, a string is not an array) and
 * unknown fields are refused, never stripped. Query, path and header strings are coerced.
 *
 * Given to Fastify as its schema controller's validator factory, so that every plugin context
 * builds its validators this way: a context that adds schemas of its own rebuilds its compiler
 * from the factory, and Fastify's default one would silently strip unknown fields.
 *
 * Like the serializers (src/lib/serializers.ts), the compilers are made, and each route's
 * validator compiled, when a request first needs it rather than at start: that was a third of a
 * second of every start. The schemas are checked at start all the same (src/plugins/openapi.ts).
 */
export function buildValidator (externalSchemas: unknown) {
  let compilers: { strict: Ajv, coercing: Ajv } | undefined
  const made = () => {
    if (compilers) return compilers
    // The meta-schema check is left to schemaErrors: compiling the meta-schema in each of these
    // compilers cost half a second of every start.
    const strict = addFormats(new Ajv({ ...shared, coerceTypes: false, validateSchema: false }))
    const coercing = addFormats(new Ajv({ ...shared, coerceTypes: 'array', validateSchema: false }))
    for (const schema of Object.values(externalSchemas as Record<string, object>)) {
      strict.addSchema(schema)
      coercing.addSchema(schema)
    }
    return (compilers = { strict, coercing })
  }
  return ({ schema, httpPart }: { schema: object, httpPart?: string }) => {
    let validate: ValidateFunction | undefined
    // Fastify reads a failed validation's errors from the function it was given.
    const lazily = (data: unknown) => {
      validate ??= made()[httpPart === 'body' ? 'strict' : 'coercing'].compile(schema)
      const valid = validate(data)
      lazily.errors = validate.errors
      return valid
    }
    lazily.errors = null as ValidateFunction['errors']
    return lazily
  }
}
