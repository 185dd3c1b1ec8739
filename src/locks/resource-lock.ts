import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { awaitReplicas } from '../queue/replicated.js';
import type { HeldLock, LockHolder, LockPort, LockResult } from './lock-port.js';

export type { HeldLock, LockHolder, LockPort, LockResult } from './lock-port.js';

// Free, or held by the same owner (a retry of the same plan after its worker died): take it, with a new token.
const ACQUIRE = `local raw = redis.call('get', KEYS[1])
if raw then
  local v = cjson.decode(raw)
  if ARGV[3] == '' or v.owner ~= ARGV[3] then return {0, raw, redis.call('pttl', KEYS[1])} end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, '', 0}`;

// Only the holder's token extends or releases a lock.
const RENEW = `local raw = redis.call('get', KEYS[1])
if raw and cjson.decode(raw).token == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

const RELEASE = `local raw = redis.call('get', KEYS[1])
if raw and cjson.decode(raw).token == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const BREAK = `local raw = redis.call('get', KEYS[1])
if raw and cjson.decode(raw).holder.at == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A visible lock per resource (cluster offsets, restore target): the value says who holds it and since when, so
 * a refused operator sees whom to ask. Taken atomically (Lua); it expires `ttlMs` after its holder stops renewing
 * it; only the holder's token renews or releases it; an `owner` (a plan id) may take over its own lock.
 */
export class ResourceLocks implements LockPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(resource: string): string {
    return `${this.prefix}:lock:${resource}`;
  }

  async acquire(resource: string, holder: LockHolder, ttlMs: number, owner = ''): Promise<LockResult> {
    const token = randomUUID();
    const key = this.key(resource);
    const [ok, raw, ttl] = (await this.redis.eval(
      ACQUIRE,
      1,
      key,
      JSON.stringify({ token, owner, holder }),
      String(ttlMs),
      owner,
    )) as [number, string, number];
    if (ok === 1) {
      await awaitReplicas(this.redis);
      return { ok: true, lock: this.handle(resource, token, ttlMs) };
    }
    const current = (JSON.parse(raw) as { holder: LockHolder }).holder;
    return {
      ok: false,
      holder: current,
      ageMs: Math.max(0, Date.now() - Date.parse(current.at)),
      ttlMs: ttl,
    };
  }

  private handle(resource: string, token: string, ttlMs: number): HeldLock {
    const key = this.key(resource);
    return {
      resource,
      token,
      ttlMs,
      renew: async () => (await this.redis.eval(RENEW, 1, key, token, String(ttlMs))) === 1,
      release: async () => void (await this.redis.eval(RELEASE, 1, key, token)),
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
    return (await this.redis.eval(BREAK, 1, this.key(resource), expectedAt)) === 1;
  }

  async holder(resource: string): Promise<LockHolder | undefined> {
    const raw = await this.redis.get(this.key(resource));
    return raw ? (JSON.parse(raw) as { holder: LockHolder }).holder : undefined;
  }
}
