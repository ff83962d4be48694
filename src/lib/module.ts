import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { TSchema } from 'typebox'
import type { Config } from '../config.js'

/** What every resource module is given: the configuration, and whether the audit trail is kept. */
export interface ModuleOptions {
  config: Config
  /** Off only in the benchmark's baseline. */
  auditTrail: boolean
}

/**
 * One resource module as one plugin: its named schemas (shared by its routes, and components of
 * the OpenAPI document) are registered app-wide, its routes under /v1. src/app.ts lists the
 * modules and nothing else about them.
 */
export function apiModule (name: string, schemas: readonly TSchema[], routes: (v1: FastifyInstance, opts: ModuleOptions) => PromiseLike<unknown>) {
  return fp<ModuleOptions>(async function module (app, opts) {
    for (const schema of schemas) app.addSchema(schema)
    await app.register(async (v1) => { await routes(v1, opts) }, { prefix: '/v1' })
  }, { name: `module:${name}`, fastify: '5.x', dependencies: ['errors', 'openapi', 'database', 'auth', 'writes', 'jurisdiction-registry'] })
}
