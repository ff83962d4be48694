import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { ProblemError } from '../../lib/problems.js'
import { checkpointCopyPath, latestCheckpoint, loadAuditSigner, makeCheckpoint, type AuditSigner, type Checkpoint } from './checkpoints.js'

declare module 'fastify' {
  interface FastifyInstance {
    auditCheckpoints: {
      signer: AuditSigner
      /** The copy file beside the database; none in memory. */
      copy: string | undefined
      /** Signs the head now if it moved; `made` is false when it was signed already. */
      make: () => Promise<{ checkpoint: Checkpoint, made: boolean }>
    }
  }
}

/**
 * Signs the audit chain's head every AUDIT_CHECKPOINT_SECONDS when it has moved, off the request
 * path. The key is kept outside the database; a key other than the one that signed the
 * checkpoints already kept is refused, since it would silently start a new chain of trust.
 */
export default fp<{ config: Config }>(async function auditCheckpointing (app, { config }) {
  const { signer, source } = loadAuditSigner(config)
  const copy = checkpointCopyPath(config)
  const last = await latestCheckpoint(app.db, copy)
  if (last && last.keyId !== signer.keyId) {
    throw new Error(`The audit signing key (${source}, key id ${signer.keyId}) is not the one that signed this database's audit checkpoints (key id ${last.keyId}); start with that key, since a new one would start a chain of trust that no copy kept so far can check`)
  }
  const make = () => makeCheckpoint(app.db, signer, copy)
  app.decorate('auditCheckpoints', { signer, copy, make })
  app.installationInfo['x-audit-signing-key'] = { keyId: signer.keyId, algorithm: 'Ed25519', publicKey: signer.publicKeyPem, checkpoints: '/v1/public/audit/checkpoints' }

  let running: Promise<void> | undefined
  const tick = () => {
    running ??= make()
      .then(({ checkpoint, made }) => { if (made) app.log.debug({ seq: checkpoint.seq }, 'audit checkpoint signed') })
      .catch((err: unknown) => {
        if (err instanceof ProblemError && err.code === 'audit_trail_empty') return
        if (err instanceof ProblemError) app.log.error({ code: err.code }, `audit chain not signed: ${err.message}`)
        else app.log.warn({ err }, 'audit checkpoint failed; retried at the next interval')
      })
      .finally(() => { running = undefined })
  }
  const timer = setInterval(tick, config.AUDIT_CHECKPOINT_SECONDS * 1000).unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await running
  })
}, { name: 'audit-checkpoints', fastify: '5.x', dependencies: ['database', 'openapi'] })
