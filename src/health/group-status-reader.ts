import { withTimeout } from '../core/timeout.js';
import { type RedisTarget, redisForProducer } from '../queue/redis.js';
import { HealthStore } from './health-store.js';

/**
 * Group verdicts kept by the scheduled checks, for a one-shot process (CLI). Best effort: when Redis does not
 * answer within 500 ms, groups show NO_HISTORY and the command still answers.
 */
export function openGroupStatusReader(target: RedisTarget, prefix: string) {
  const redis = redisForProducer(target);
  redis.on('error', () => undefined);
  const store = new HealthStore(redis, prefix);
  const cache = new Map<string, Promise<Map<string, { status: string }>>>();
  return {
    groupStatus: async (flow: string, group: string): Promise<string | undefined> => {
      if (!cache.has(flow))
        cache.set(
          flow,
          withTimeout('Redis', 500, store.groupStates(flow)).catch(() => new Map()),
        );
      return (await cache.get(flow)!).get(group)?.status;
    },
    close: () => redis.disconnect(),
  };
}
