import type { Redis } from 'ioredis';
import { KdrError } from '../core/errors.js';

/**
 * BullMQ's queues, kdr's plans, locks, runs and audit stream must never be evicted: Redis must run with
 * `maxmemory-policy noeviction`. Read from INFO (CONFIG GET is often disabled on managed Redis). Anything else stops
 * the bot and the worker at start-up with the setting to change.
 */
export async function checkEvictionPolicy(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy && policy !== 'noeviction')
    throw new KdrError(
      'KDR_REDIS_POLICY',
      `Redis evicts keys under memory pressure (maxmemory-policy ${policy}): kdr's queue, plans, locks, runs and audit trail could vanish`,
      {
        hint: 'set maxmemory-policy noeviction on the master and its replicas (redis.conf, or CONFIG SET maxmemory-policy noeviction; on a managed Redis, its parameter group), then start kdr again',
      },
    );
}
