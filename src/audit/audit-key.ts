import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KdrError } from '../core/errors.js';

/**
 * The key of the audit chain's HMAC: `audit.key` in the config (e.g. `${KDR_AUDIT_KEY}` from a secret store), else
 * `<dataDir>/audit.key`, created (32 random bytes, mode 0600) on first use. Never in Redis: a writer with Redis
 * access cannot recompute the chain after editing it. Every process of one installation must use the same key.
 */
export function auditKey(o: { key?: string | undefined; dataDir: string }): Buffer {
  if (o.key) {
    if (o.key.length < 16)
      throw new KdrError('KDR_CONFIG', 'audit.key is shorter than 16 characters', {
        hint: 'use a long random secret (e.g. `openssl rand -hex 32`), the same for every kdr process',
      });
    return Buffer.from(o.key, 'utf8');
  }
  const file = join(o.dataDir, 'audit.key');
  if (!existsSync(file)) {
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
    chmodSync(file, 0o600);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}
