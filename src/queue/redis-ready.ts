import type { Redis } from 'ioredis';
import { KdrError } from '../core/errors.js';
import { describeTarget, type RedisTarget, redisForProducer } from './redis.js';

/**
 * A fail-fast connection that is ready to take commands (a producer connection rejects commands until then),
 * or a KDR_REDIS error naming the URL's host after `timeoutMs`.
 */
export async function connectRedis(target: RedisTarget, timeoutMs = 1500): Promise<Redis> {
  const redis = redisForProducer(target);
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
    throw new KdrError(
      'KDR_REDIS',
      `Redis at ${describeTarget(target)} is not reachable: ${(err as Error).message}`,
      {
        hint: 'kdr keeps locks, the audit trail and the checkpoint index in Redis: check redis.url (or redis.sentinel) and that Redis runs',
        retriable: true,
      },
    );
  }
}
