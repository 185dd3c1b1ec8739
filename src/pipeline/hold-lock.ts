import { hostname } from 'node:os';
import { KdrError } from '../core/errors.js';
import type { HeldLock, LockHolder } from '../locks/lock-port.js';
import type { AnyChange, ApplyIO, ChangeEnv } from './change.js';

/** A lock held for one change: renewed in the background until `end()`. */
export interface Held {
  lock: HeldLock;
  /** True once a renewal found the lock taken by someone else (or broken). */
  lost(): boolean;
  end(): Promise<void>;
}

export type Taken = { ok: true; held: Held } | { ok: false; error: KdrError; holder: LockHolder };

/**
 * Takes the change's lock (before anything is planned: no check-then-act) and renews it every third of its TTL,
 * so a holder that dies loses it within one TTL and a live one never does. `owner`: a plan id, so that a retry
 * of the same plan takes over its own lock instead of waiting for it to expire.
 */
export async function holdLock(env: ChangeEnv, change: AnyChange, a: unknown, who: string, owner?: string) {
  const ttl = env.config.changes.lockTtl;
  const holder: LockHolder = {
    who,
    what: change.describe(a),
    pid: process.pid,
    host: hostname(),
    at: new Date().toISOString(),
  };
  const resource = change.resource(a);
  const r = await env.ports.locks.acquire(resource, holder, ttl, owner);
  if (!r.ok) {
    const h = r.holder;
    const error = new KdrError(
      'KDR_LOCKED',
      `${resource} is locked by ${h.who} (${h.what}, pid ${h.pid} on ${h.host}) for ${Math.round(r.ageMs / 1000)} s`,
      {
        hint: `wait for it to finish, or ask ${h.who}; the lock expires ${Math.round(r.ttlMs / 1000)} s after its holder stops renewing it (\`kdr unlock\` lists locks)`,
        retriable: true,
      },
    );
    return { ok: false, error, holder: h } satisfies Taken;
  }
  let lost = false;
  const timer = setInterval(
    () =>
      void r.lock.renew().then(
        (ok) => {
          if (!ok) lost = true;
        },
        () => undefined, // Redis away for a moment: the next renewal or the guard will tell
      ),
    Math.max(100, Math.floor(ttl / 3)),
  );
  timer.unref();
  const held: Held = {
    lock: r.lock,
    lost: () => lost,
    end: async () => {
      clearInterval(timer);
      await r.lock.release().catch(() => undefined);
    },
  };
  return { ok: true, held } satisfies Taken;
}

/** The executor's view of its lock and its sub-progress. */
export function applyIO(env: ChangeEnv, held: Held, progressId: string): ApplyIO {
  return {
    guard: async () => {
      if (held.lost() || !(await held.lock.renew()))
        throw new KdrError(
          'KDR_LOCK_LOST',
          `the lock ${held.lock.resource} is no longer held by this execution; it stopped before writing`,
          {
            hint: 'another execution took over (or the lock was broken): see `kdr unlock` and the audit trail',
          },
        );
    },
    isDone: (part) => env.ports.progress.isDone(progressId, part),
    markDone: (part) => env.ports.progress.markDone(progressId, part),
    pace: async () => {
      if (env.config.changes.pace > 0) await new Promise((r) => setTimeout(r, env.config.changes.pace));
    },
    log: env.log,
  };
}
