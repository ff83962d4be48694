import fp from 'fastify-plugin'
import { buildValidator } from './validation.js'
import type { FastifySchema, FastifySchemaCompiler, RouteOptions } from 'fastify'
import { unsupportedMediaType } from './errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route reads its body as a stream of lines, for as long as it takes (a bulk import): the
     * only kind of route that takes a body of another type than JSON, or one larger than the body
     * limit. No whole-request deadline applies to it.
     */
    streamingBody?: StreamingBody
  }
}

export interface StreamingBody {
  /** The one type the route takes, e.g. application/x-ndjson. */
  contentType: typeof streamTypes[number]
  /** The `$id` of the shared schema one line follows: the body is documented as lines of it. */
  line: string
  /** What the body is, for the document. */
  description: string
}

/** The types a body may stream as; each only to a route that declares it. */
export const streamTypes = ['application/x-ndjson'] as const

const json = 'application/json (application/merge-patch+json for PATCH)'

const essence = (type: string | undefined) => type?.split(';')[0]!.trim().toLowerCase()

/**
 * What bodies the API reads. JSON, up to the body limit, on every route that takes a body; a stream
 * only on a route that declares `config.streamingBody`, and only of the type it declares. Anything
 * else is a 415 before a byte of the body is read, and the connection is closed rather than drained,
 * so a large body sent with another type costs the server nothing.
 */
export default fp(async function requestBodies (app) {
  // text/plain would reach the schema as a string and read as a schema failure.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))

  // Fastify closes the connection after a parser's error, without reading on.
  app.addContentTypeParser([...streamTypes], (request, payload, done) => {
    const streaming = request.routeOptions.config.streamingBody
    if (streaming && streaming.contentType === essence(request.headers['content-type'])) done(null, payload)
    else done(unsupportedMediaType(streaming ? streaming.contentType : json), undefined)
  })
  app.addContentTypeParser('*', (request, _payload, done) => {
    // An unknown route says so (404) whatever it was sent.
    if (request.is404) done(null, undefined)
    else done(unsupportedMediaType(request.routeOptions.config.streamingBody?.contentType ?? json), undefined)
  })

  app.addHook('onRoute', function streamingRoute (route: RouteOptions) {
    const streaming = route.config?.streamingBody
    if (!streaming) return
    // Refused before any parser runs: the JSON parser would read a JSON body whole first.
    const refuseOtherTypes = async (request: { headers: Record<string, string | string[] | undefined> }) => {
      if (essence(request.headers['content-type'] as string | undefined) !== streaming.contentType) {
        throw unsupportedMediaType(`${streaming.contentType}: ${streaming.description}`)
      }
    }
    route.onRequest = [...(route.onRequest ? [route.onRequest].flat() : []), refuseOtherTypes]
    // Documented as lines of the named schema; each line is validated by the route as it is read.
    route.schema = {
      ...route.schema,
      body: { content: { [streaming.contentType]: { schema: { $ref: streaming.line } } } }
    } as FastifySchema
    const inherited = (route.validatorCompiler ?? buildValidator(this.getSchemas())) as FastifySchemaCompiler<unknown>
    route.validatorCompiler = (definition) => definition.httpPart === 'body' ? () => true : inherited(definition)
  })
}, { name: 'request-bodies', fastify: '5.x', dependencies: ['errors'] })
