import type { Redis } from 'ioredis';
import { KdrError } from '../core/errors.js';
import { redisForProducer } from './redis.js';

/**
 * A fail-fast connection that is ready to take commands (a producer connection rejects commands until then),
 * or a KDR_REDIS error naming the URL's host after `timeoutMs`.
 */
export async function connectRedis(url: string, timeoutMs = 1500): Promise<Redis> {
  const redis = redisForProducer(url);
  redis.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      if (redis.status === 'ready') return resolve();
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new KdrError('KDR_REDIS', `Redis at ${safeHost(url)} is not reachable: ${(err as Error).message}`, {
      hint: 'kdr keeps locks, the audit trail and the checkpoint index in Redis: check redis.url and that Redis runs',
      retriable: true,
    });
  }
}

/** host:port only: a redis:// URL may carry a password. */
function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'the configured URL';
  }
}
