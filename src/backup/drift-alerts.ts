import type { Redis } from 'ioredis';
import type { DriftItem } from './drift.js';

/**
 * Remembers which drift a flow had at its last check, so the scheduled check alerts on each difference once:
 * a difference that goes away and comes back (or changes value: the fingerprint holds the values) alerts again.
 */
export class DriftMemory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(flow: string) {
    return `${this.prefix}:drift:${flow}`;
  }

  /** Stores the current set; returns what is new since the last check and whether a non-empty set just cleared. */
  async update(flow: string, items: DriftItem[]): Promise<{ fresh: DriftItem[]; cleared: boolean }> {
    const key = this.key(flow);
    const ids = items.map((i) => i.id);
    const tx = this.redis.multi().smembers(key).del(key);
    if (ids.length) tx.sadd(key, ...ids);
    const res = await tx.exec();
    const before = new Set((res?.[0]?.[1] as string[] | undefined) ?? []);
    return { fresh: items.filter((i) => !before.has(i.id)), cleared: before.size > 0 && ids.length === 0 };
  }
}
