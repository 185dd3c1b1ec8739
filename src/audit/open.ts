import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.js';
import { auditKey } from './audit-key.js';
import { type AuditEntry, AuditLog } from './audit-log.js';

/**
 * The installation's audit trail: its prefix, its key (`audit.key`, else the secret `KDR_AUDIT_KEY` from the
 * environment like Slack's tokens, else `<dataDir>/audit.key`), its file sink under the data dir.
 */
export function openAuditLog(
  redis: Redis,
  config: Pick<Config, 'audit' | 'dataDir' | 'redis'>,
  onAppend?: (entry: AuditEntry) => Promise<unknown>,
): AuditLog {
  return new AuditLog(redis, config.redis.prefix, {
    key: installationAuditKey(config),
    file: join(config.dataDir, 'audit.jsonl'),
    ...(onAppend ? { onAppend } : {}),
  });
}

export const installationAuditKey = (config: Pick<Config, 'audit' | 'dataDir'>) =>
  auditKey({ key: config.audit.key || process.env.KDR_AUDIT_KEY || undefined, dataDir: config.dataDir });
