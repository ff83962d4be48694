import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { App } from '../../src/app.js'
import { systemPrincipal } from '../../src/auth/principal.js'
import { createAgency } from '../../src/modules/agencies/service.js'
import type { CreateAgency } from '../../src/modules/agencies/schemas.js'
import { issueApiKey } from '../../src/modules/api-keys/service.js'
import type { IssueApiKey } from '../../src/modules/api-keys/schemas.js'
import { audited } from '../../src/modules/audit/trail.js'
import { anotherInstance } from './app.js'
import { registerEnterprise } from './fixtures.js'

export interface Client {
  key: string | undefined
  inject: (options: InjectOptions & { url: string }) => Promise<LightMyRequestResponse>
}

/** Requests made with an API key (or none): `client.inject` is `app.inject` with the header set. */
export function client (app: App, key?: string): Client {
  return {
    key,
    inject: (options) => app.inject({ ...options, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...options.headers } })
  }
}

const operator = systemPrincipal('test setup')

/** Issues a key directly through the service, as the operator command does. */
export async function issueKey (app: App, input: IssueApiKey) {
  return audited(app.db, operator, 'test', (tx, audit) => issueApiKey(tx, input, operator, audit))
}

export async function regulatorFor (app: App, jurisdictionCode: string, nameZh = `交通运输局 ${jurisdictionCode}`, kind: CreateAgency['kind'] = 'transport') {
  const agency = await audited(app.db, operator, 'test', (tx, audit) => createAgency(tx, { nameZh, kind, jurisdictionCode }, app.jurisdictions, audit))
  const key = await issueKey(app, { role: 'regulator', agencyId: agency.id, label: `test regulator ${jurisdictionCode}` })
  return Object.assign(client(app, key.key), { agency, keyId: key.id })
}

export async function platformFor (app: App, enterpriseId: string) {
  const key = await issueKey(app, { role: 'platform', enterpriseId, label: `test platform ${enterpriseId}` })
  return Object.assign(client(app, key.key), { keyId: key.id, enterpriseId })
}

/** An admin, a transport bureau for each of the four cities, and an anonymous caller. */
export async function actors (app: App) {
  const admin = await issueKey(app, { role: 'admin', label: 'test admin' })
  return {
    admin: Object.assign(client(app, admin.key), { keyId: admin.id }),
    guangzhou: await regulatorFor(app, '440100'),
    xiamen: await regulatorFor(app, '350200'),
    nantong: await regulatorFor(app, '320600'),
    chongqing: await regulatorFor(app, '500000'),
    anonymous: client(app)
  }
}

/**
 * A Guangzhou platform with a key on two instances of the service, for races between replicas;
 * undefined on the embedded database, which one process holds (the test says so and passes).
 */
export async function onePlatformOnTwoInstances (t: Parameters<typeof anotherInstance>[0] & { pass: (message: string) => void }, app: App) {
  if (!process.env.TEST_DATABASE_URL) {
    t.pass('one process holds the embedded database: run with TEST_DATABASE_URL for two instances')
    return undefined
  }
  const replica = await anotherInstance(t, app)
  const { guangzhou: gz } = await actors(app)
  const enterprise = await registerEnterprise(gz, { jurisdictionCodes: ['440106'] })
  return { gz, enterprise, here: await platformFor(app, enterprise.id), there: client(replica, (await platformFor(app, enterprise.id)).key) }
}
