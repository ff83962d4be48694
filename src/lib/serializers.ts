import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type SerializerFactory = ReturnType<typeof SerializerSelector>

/**
 * Fastify's own response serializers, each compiled when its route first sends that status rather
 * than all before the first request: compiling some 300 response schemas (most of them problem
 * shapes a route seldom sends) was a second and a half of every start, and of every test app.
 */
export function lazySerializers (): SerializerFactory {
  const factory = SerializerSelector()
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options)
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined
      return (doc) => (serialize ??= compile(route))(doc)
    }
  }
}
