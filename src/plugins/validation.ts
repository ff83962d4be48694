import { Ajv, type Options } from 'ajv'
import addFormatsImport from 'ajv-formats'
import type { FastifyInstance } from 'fastify'

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
 */
export function installValidators (app: FastifyInstance) {
  const strict = addFormats(new Ajv({ ...shared, coerceTypes: false }))
  const coercing = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }))
  // The schemas registered with app.addSchema, so a route may name one by $ref (IssueLicence).
  const withShared = (ajv: Ajv) => {
    for (const [id, schema] of Object.entries(app.getSchemas())) if (!ajv.getSchema(id)) ajv.addSchema(schema as object, id)
    return ajv
  }
  app.setValidatorCompiler(({ schema, httpPart }) =>
    withShared(httpPart === 'body' ? strict : coercing).compile(schema))
}
