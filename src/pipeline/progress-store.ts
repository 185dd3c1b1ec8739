import type { Redis } from 'ioredis';
import type { ProgressPort } from './ports.js';

/** Kept a week: long enough to resume or investigate an execution, short enough not to pile up. */
const KEEP_S = 7 * 24 * 3600;

/** Parts of an executing plan that are done, in one Redis hash per plan. */
export class ProgressStore implements ProgressPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(planId: string) {
    return `${this.prefix}:progress:${planId}`;
  }

  async isDone(planId: string, part: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(planId), part)) === 1;
  }

  async markDone(planId: string, part: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(planId), part, new Date().toISOString())
      .expire(this.key(planId), KEEP_S)
      .exec();
  }

  async count(planId: string): Promise<number> {
    return this.redis.hlen(this.key(planId));
  }
}
