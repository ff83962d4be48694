import { and, asc, eq, gt, isNull, type SQL } from 'drizzle-orm'
import type { Database } from '../../db/client.js'
import { generateKey } from '../../auth/keys.js'
import type { Principal } from '../../auth/principal.js'
import type { Cursors } from '../../lib/cursor.js'
import { page } from '../../lib/page.js'
import { invalidField, notFound } from '../../lib/problems.js'
import { uuidv7 } from '../../lib/uuid.js'
import { agencies } from '../agencies/table.js'
import type { Audit } from '../audit/trail.js'
import { enterprises } from '../enterprises/table.js'
import type { ApiKeyApi, ApiKeyFilters, IssueApiKey } from './schemas.js'
import { apiKeys, type ApiKeyRow } from './table.js'

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function apiKeyToApi (row: ApiKeyRow): ApiKeyApi {
  return {
    id: row.id,
    prefix: row.prefix,
    role: row.role,
    agencyId: row.agencyId,
    enterpriseId: row.enterpriseId,
    label: row.label,
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
    createdAt: row.createdAt.toISOString()
  }
}

/** Issues a key; the answer is the only place the secret ever appears. */
export async function issueApiKey (tx: Database, input: IssueApiKey, by: Principal, audit: Audit): Promise<ApiKeyApi & { key: string }> {
  const holderPointer = input.role === 'regulator' ? '/agencyId' : '/enterpriseId'
  if (input.role === 'regulator' && !input.agencyId) throw invalidField('validation_failed', '/agencyId', 'required', 'a regulator key needs the agency it acts for')
  if (input.role === 'platform' && !input.enterpriseId) throw invalidField('validation_failed', '/enterpriseId', 'required', 'a platform key needs the enterprise it acts for')
  if (input.role !== 'regulator' && input.agencyId) throw invalidField('validation_failed', '/agencyId', 'not_allowed', `a ${input.role} key has no agency`)
  if (input.role !== 'platform' && input.enterpriseId) throw invalidField('validation_failed', '/enterpriseId', 'not_allowed', `a ${input.role} key has no enterprise`)
  let jurisdictionCodes = ['000000']
  if (input.agencyId) {
    const [agency] = await tx.select({ code: agencies.jurisdictionCode }).from(agencies).where(eq(agencies.id, input.agencyId))
    if (!agency) throw invalidField('unknown_key_holder', holderPointer, 'unknown_agency', `no agency ${input.agencyId}`)
    jurisdictionCodes = [agency.code]
  }
  if (input.enterpriseId) {
    const [enterprise] = await tx.select({ codes: enterprises.jurisdictionCodes }).from(enterprises).where(eq(enterprises.id, input.enterpriseId))
    if (!enterprise) throw invalidField('unknown_key_holder', holderPointer, 'unknown_enterprise', `no enterprise ${input.enterpriseId}`)
    jurisdictionCodes = enterprise.codes
  }
  if (input.expiresAt !== undefined) {
    const expires = new Date(input.expiresAt).getTime()
    if (Number.isNaN(expires)) throw invalidField('validation_failed', '/expiresAt', 'format', 'not an instant this service can store')
    if (expires <= Date.now()) throw invalidField('validation_failed', '/expiresAt', 'in_the_past', 'the expiry must be in the future')
  }
  const { key, prefix, secretHash } = generateKey()
  const [row] = await tx.insert(apiKeys).values({
    id: uuidv7(),
    prefix,
    secretHash,
    role: input.role,
    agencyId: input.agencyId ?? null,
    enterpriseId: input.enterpriseId ?? null,
    label: input.label,
    expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    createdBy: by.keyId
  }).returning()
  const issued = apiKeyToApi(row!)
  audit({ action: 'api_key.issued', entityType: 'api_key', entityId: issued.id, enterpriseId: issued.enterpriseId, jurisdictionCodes, before: null, after: issued })
  return { ...issued, key }
}

export async function findApiKey (db: Database, id: string): Promise<ApiKeyRow> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id))
  if (!row) throw notFound('API key', id)
  return row
}

/** Revokes at once (every request looks the key up); revoking twice keeps the first time. */
export async function revokeApiKey (tx: Database, id: string, audit: Audit): Promise<ApiKeyApi> {
  const current = await findApiKey(tx, id)
  if (current.revokedAt) return apiKeyToApi(current)
  const [row] = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning()
  const revoked = apiKeyToApi(row!)
  audit({ action: 'api_key.revoked', entityType: 'api_key', entityId: id, enterpriseId: revoked.enterpriseId, jurisdictionCodes: ['000000'], before: apiKeyToApi(current), after: revoked })
  return revoked
}

export async function listApiKeys (db: Database, cursors: Cursors, limit: number, cursor: string | undefined, filters: ApiKeyFilters) {
  const [after] = cursors.decode('api-keys', filters, cursor) ?? []
  const conditions: Array<SQL | undefined> = [after ? gt(apiKeys.id, after) : undefined]
  if (filters.role) conditions.push(eq(apiKeys.role, filters.role))
  if (filters.agencyId) conditions.push(eq(apiKeys.agencyId, filters.agencyId))
  if (filters.enterpriseId) conditions.push(eq(apiKeys.enterpriseId, filters.enterpriseId))
  const rows = await db.select().from(apiKeys).where(and(...conditions)).orderBy(asc(apiKeys.id)).limit(limit + 1)
  return page(rows, limit, apiKeyToApi, (last) => cursors.encode('api-keys', filters, [last.id]))
}
