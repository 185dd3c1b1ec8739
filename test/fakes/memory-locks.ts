import { randomUUID } from 'node:crypto';
import type { HeldLock, LockHolder, LockPort, LockResult } from '../../src/locks/lock-port.js';

interface Entry {
  token: string;
  owner: string;
  holder: LockHolder;
  expiresAt: number;
}

/** Locks in memory with the Redis locks' rules: TTL, owner takeover, token-only renew/release, break by start. */
export class MemoryLocks implements LockPort {
  readonly entries = new Map<string, Entry>();
  constructor(readonly now: () => number = Date.now) {}

  private live(resource: string): Entry | undefined {
    const e = this.entries.get(resource);
    if (e && e.expiresAt <= this.now()) this.entries.delete(resource);
    return this.entries.get(resource);
  }

  async acquire(resource: string, holder: LockHolder, ttlMs: number, owner = ''): Promise<LockResult> {
    const e = this.live(resource);
    if (e && (owner === '' || e.owner !== owner))
      return {
        ok: false,
        holder: e.holder,
        ageMs: Math.max(0, this.now() - Date.parse(e.holder.at)),
        ttlMs: e.expiresAt - this.now(),
      };
    const token = randomUUID();
    this.entries.set(resource, { token, owner, holder, expiresAt: this.now() + ttlMs });
    const lock: HeldLock = {
      resource,
      token,
      ttlMs,
      renew: async () => {
        const cur = this.live(resource);
        if (cur?.token !== token) return false;
        cur.expiresAt = this.now() + ttlMs;
        return true;
      },
      release: async () => {
        if (this.live(resource)?.token === token) this.entries.delete(resource);
      },
    };
    return { ok: true, lock };
  }

  async list() {
    return [...this.entries.keys()].sort().flatMap((r) => {
      const e = this.live(r);
      return e
        ? [
            {
              resource: r,
              holder: e.holder,
              ageMs: Math.max(0, this.now() - Date.parse(e.holder.at)),
              ttlMs: e.expiresAt - this.now(),
            },
          ]
        : [];
    });
  }

  async breakIf(resource: string, expectedAt: string): Promise<boolean> {
    const e = this.live(resource);
    if (!e || e.holder.at !== expectedAt) return false;
    this.entries.delete(resource);
    return true;
  }

  async holder(resource: string): Promise<LockHolder | undefined> {
    return this.live(resource)?.holder;
  }
}
