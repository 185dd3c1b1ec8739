import type { Redis } from 'ioredis';
import { AuditLog } from '../../src/audit/audit-log.js';

/** The audit trail under `prefix`, with the key the tests give every kdr process (vitest.config.ts). */
export const trailOf = (redis: Redis, prefix: string) =>
  new AuditLog(redis, prefix, { key: Buffer.from(process.env.KDR_AUDIT_KEY ?? '', 'utf8') });
