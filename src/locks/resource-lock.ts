import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LockHolder {
  /** Who: a Slack user id or `cli:<user>@<host>`. */
  who: string;
  /** What the holder is doing, e.g. `translate --commit orders-app`. */
  what: string;
  pid: number;
  host: string;
  at: string;
}

export type LockResult =
  | { ok: true; token: string; release(): Promise<void> }
  | { ok: false; holder: LockHolder; ageMs: number; ttlMs: number };

const RELEASE = `if redis.call('get', KEYS[1]) and cjson.decode(redis.call('get', KEYS[1])).token == ARGV[1] then
  return redis.call('del', KEYS[1]) else return 0 end`;

const BREAK = `local raw = redis.call('get', KEYS[1])
if raw and cjson.decode(raw).holder.at == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A visible lock per resource (flow/group, cluster): the value says who holds it and since when, so a refused
 * operator sees whom to ask. SET NX PX: it expires if its holder dies; only the holder's token releases it.
 */
export class ResourceLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(resource: string): string {
    return `${this.prefix}:lock:${resource}`;
  }

  async acquire(resource: string, holder: LockHolder, ttlMs: number): Promise<LockResult> {
    const token = randomUUID();
    const key = this.key(resource);
    const set = await this.redis.set(key, JSON.stringify({ token, holder }), 'PX', ttlMs, 'NX');
    if (set === 'OK')
      return { ok: true, token, release: async () => void (await this.redis.eval(RELEASE, 1, key, token)) };
    const [raw, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (!raw) return this.acquire(resource, holder, ttlMs); // released in between
    const current = (JSON.parse(raw) as { holder: LockHolder }).holder;
    return {
      ok: false,
      holder: current,
      ageMs: Math.max(0, Date.now() - Date.parse(current.at)),
      ttlMs: ttl,
    };
  }

  /** Every held lock with its holder and age. */
  async list(): Promise<Array<{ resource: string; holder: LockHolder; ageMs: number; ttlMs: number }>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:lock:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const out = [];
    for (const key of keys.sort()) {
      const [raw, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      if (!raw) continue;
      const holder = (JSON.parse(raw) as { holder: LockHolder }).holder;
      out.push({
        resource: key.slice(`${this.prefix}:lock:`.length),
        holder,
        ageMs: Math.max(0, Date.now() - Date.parse(holder.at)),
        ttlMs: ttl,
      });
    }
    return out;
  }

  /** Breaks a lock only if it is still the one the plan saw (same holder and start): an audited, approved action. */
  async breakIf(resource: string, expectedAt: string): Promise<boolean> {
    const key = this.key(resource);
    const res = await this.redis.eval(BREAK, 1, key, expectedAt);
    return res === 1;
  }

  async holder(resource: string): Promise<LockHolder | undefined> {
    const raw = await this.redis.get(this.key(resource));
    return raw ? (JSON.parse(raw) as { holder: LockHolder }).holder : undefined;
  }
}
