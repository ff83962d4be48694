import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsImport from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import { openapiPath } from '../../src/cli/openapi.js'

// The committed OpenAPI document as a response validator: every answer a test provokes is checked
// against what the document promises for its operation and status.

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

interface Header { required?: boolean, schema: object, $ref?: string }
interface Response { $ref?: string, headers?: Record<string, Header>, content?: Record<string, { schema: object }> }
interface Operation { operationId: string, responses: Record<string, Response> }
interface Document { paths: Record<string, Record<string, Operation>>, components: { responses: Record<string, Response>, headers: Record<string, Header> } }

export interface Answer { method: string, route: string, status: number, headers: Record<string, unknown>, contentType: string | undefined, body: string }

const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1')

/** Fastify's route pattern (/v1/licences/:id) as the document's path (/v1/licences/{id}). */
export const documentPath = (route: string) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

export class ContractValidator {
  readonly document: Document
  private readonly ajv: Ajv
  private readonly compiled = new Map<string, ValidateFunction>()
  /** operationId → statuses seen, so a test can prove what it exercised. */
  readonly seen = new Map<string, Set<number>>()

  constructor (text = readFileSync(openapiPath, 'utf8')) {
    this.document = JSON.parse(text) as Document
    this.ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateFormats: true }))
    this.ajv.addSchema(this.document as object, 'openapi.json')
  }

  operation (method: string, route: string): Operation | undefined {
    return this.document.paths[documentPath(route)]?.[method.toLowerCase()]
  }

  private validator (pointer: string): ValidateFunction {
    let fn = this.compiled.get(pointer)
    if (!fn) {
      fn = this.ajv.compile({ $ref: `openapi.json#${pointer}` })
      this.compiled.set(pointer, fn)
    }
    return fn
  }

  /** What is wrong with an answer, by the document; empty when it keeps every promise. */
  check (answer: Answer): string[] {
    const op = this.operation(answer.method, answer.route)
    if (!op) return []
    const name = `${op.operationId} ${answer.status}`
    this.seen.set(op.operationId, (this.seen.get(op.operationId) ?? new Set()).add(answer.status))
    const path = `/paths/${escape(documentPath(answer.route))}/${answer.method.toLowerCase()}/responses/${answer.status}`
    let response = op.responses[String(answer.status)]
    let pointer = path
    if (!response) return [`${name}: status not documented`]
    if (response.$ref) {
      pointer = response.$ref.slice(1)
      response = this.document.components.responses[response.$ref.split('/').at(-1)!]!
    }
    const problems: string[] = []
    for (const [header, declared] of Object.entries(response.headers ?? {})) {
      const spec = declared.$ref ? this.document.components.headers[declared.$ref.split('/').at(-1)!]! : declared
      const value = answer.headers[header.toLowerCase()]
      if (value === undefined) {
        if (spec.required) problems.push(`${name}: header ${header} missing`)
        continue
      }
      const schema = spec.schema as { type?: string }
      const typed = schema.type === 'integer' ? Number(value) : String(value)
      if (!this.ajv.validate(schema, typed)) problems.push(`${name}: header ${header}=${String(value)} ${this.ajv.errorsText()}`)
    }
    const media = answer.contentType?.split(';')[0]?.trim()
    if (!response.content) {
      if (answer.body.length > 0) problems.push(`${name}: a body where the document says none`)
      return problems
    }
    if (!media || !response.content[media]) return [...problems, `${name}: content type ${media} not documented (${Object.keys(response.content).join(', ')})`]
    let body: unknown
    try { body = JSON.parse(answer.body) } catch { return [...problems, `${name}: body is not JSON`] }
    const validate = this.validator(`${pointer}/content/${escape(media)}/schema`)
    if (!validate(body)) problems.push(`${name}: body ${this.ajv.errorsText(validate.errors)}`)
    return problems
  }

  /** Records every answer of an app as it is sent; violations collect in the returned list. */
  watch (app: FastifyInstance): string[] {
    const violations: string[] = []
    app.addHook('onSend', (request, reply, payload, done) => {
      const route = request.routeOptions.url
      if (route && request.method !== 'HEAD') {
        const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload === null || payload === undefined ? '' : undefined
        if (body !== undefined) {
          const headers = reply.getHeaders() as Record<string, unknown>
          violations.push(...this.check({ method: request.method, route, status: reply.statusCode, headers, contentType: headers['content-type'] as string | undefined, body }))
        }
      }
      done(null, payload)
    })
    return violations
  }
}
