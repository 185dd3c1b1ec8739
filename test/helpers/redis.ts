import type { Redis } from 'ioredis';
import type { RedisTarget } from '../../src/queue/redis.js';
import { connectRedis } from '../../src/queue/redis-ready.js';

/** Runs `f` on a fresh fail-fast connection to `target`, closed afterwards. */
export async function withRedis<T>(target: RedisTarget, f: (r: Redis) => Promise<T>): Promise<T> {
  const redis = await connectRedis(target);
  try {
    return await f(redis);
  } finally {
    redis.disconnect();
  }
}
