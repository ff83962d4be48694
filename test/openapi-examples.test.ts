import t from 'tap'
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsImport from 'ajv-formats'
import { openapiPath } from '../src/cli/openapi.js'

// The committed document as an integrator reads it: Swagger UI and mock servers show the examples,
// and "Try it out" sends a parameter's example, so the examples must be right and filters bare.

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020

interface Schema { $ref?: string, examples?: unknown[], example?: unknown }
/** A media type: @fastify/swagger moves an inline schema's examples here (example, or examples by name). */
interface Media { schema?: Schema, example?: unknown, examples?: Record<string, { value: unknown }> }
interface Parameter { name: string, in: string, required?: boolean, example?: unknown, examples?: unknown, schema?: Schema }
interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, Media> }
  responses: Record<string, { content?: Record<string, Media> }>
}

const document = JSON.parse(readFileSync(openapiPath, 'utf8')) as { paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, Schema> } }
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }))
ajv.addSchema({ ...document, $id: 'openapi' })

const pointer = (...tokens: string[]) => tokens.map((token) => token.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

/** The schema a $ref names, followed to the end. */
function resolve (schema: Schema): Schema {
  let current = schema
  while (current.$ref) current = document.components.schemas[current.$ref.replace('#/components/schemas/', '')]!
  return current
}

const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, method, op })))

/** Every JSON request body and 2xx JSON answer (not the import's NDJSON stream), with the JSON pointer of its schema. */
const shapes = operations.flatMap(({ name, path, method, op }) => [
  ...Object.entries(op.requestBody?.content ?? {}).map(([type, media]) => ({ name: `${name} body (${type})`, type, media, at: pointer('paths', path, method, 'requestBody', 'content', type, 'schema') })),
  ...Object.entries(op.responses).filter(([status]) => /^2/.test(status)).flatMap(([status, response]) =>
    Object.entries(response.content ?? {}).map(([type, media]) => ({ name: `${name} ${status} (${type})`, type, media, at: pointer('paths', path, method, 'responses', status, 'content', type, 'schema') })))
]).filter((shape) => shape.type === 'application/json' || shape.type.endsWith('+json'))

t.test('every JSON request body and every 2xx answer carries examples that its own schema accepts', async (t) => {
  t.ok(shapes.length >= 40, `${shapes.length} shapes checked`)
  for (const shape of shapes) {
    const { media } = shape
    const examples = media.example !== undefined
      ? [media.example]
      : media.examples ? Object.values(media.examples).map((e) => e.value) : resolve(media.schema!).examples
    if (!t.ok(Array.isArray(examples) && examples.length > 0, `${shape.name} has examples`)) continue
    const validate = ajv.getSchema(`openapi#/${shape.at}`)!
    examples!.forEach((example, i) => {
      t.ok(validate(example), `${shape.name}: example ${i + 1} is valid${validate.errors ? ': ' + ajv.errorsText(validate.errors) : ''}`)
    })
  }
})

t.test('the examples of every component are valid against it', async (t) => {
  for (const [name, schema] of Object.entries(document.components.schemas)) {
    const validate = ajv.getSchema(`openapi#/components/schemas/${name}`)!
    for (const example of schema.examples ?? []) t.ok(validate(example), `${name}${validate.errors ? ': ' + ajv.errorsText(validate.errors) : ''}`)
  }
})

t.test('no optional query parameter has an example for "Try it out" to send unasked', async (t) => {
  let optional = 0
  for (const { name, op } of operations) {
    for (const parameter of op.parameters ?? []) {
      if (parameter.in !== 'query' || parameter.required) continue
      optional++
      t.equal(parameter.example, undefined, `${name} ?${parameter.name}`)
      t.equal(parameter.examples, undefined, `${name} ?${parameter.name}`)
      t.equal(parameter.schema?.example, undefined, `${name} ?${parameter.name}`)
      t.equal(parameter.schema?.examples, undefined, `${name} ?${parameter.name}`)
    }
  }
  t.ok(optional >= 20, `${optional} optional query parameters checked`)
})

t.test('a bad example would be caught: a licence example without its plate fails the Licence schema', async (t) => {
  const validate = ajv.getSchema('openapi#/components/schemas/Licence')!
  const [vehicle] = document.components.schemas.Licence!.examples as Array<Record<string, unknown>>
  t.ok(validate(vehicle))
  t.notOk(validate({ ...vehicle, plate: null }), 'a vehicle certificate has a plate')
  t.notOk(validate({ ...vehicle, idNumber: '11010519491231002X' }), 'and no field of another type')
})
