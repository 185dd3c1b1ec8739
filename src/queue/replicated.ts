import type { Redis } from 'ioredis';

/**
 * Redis replicates asynchronously: a master that dies loses the writes its replica had not received, and Sentinel
 * promotes that replica. Writes that decide what kdr does next (a plan approved or executed, a run advanced, a lock
 * taken, an audit entry) wait until every connected replica holds them (Redis's WAIT), so that a master killed after
 * kdr went on cannot take them back. The wait is bounded: a replica that is down or lagging costs `timeoutMs` once,
 * then kdr stops waiting for `recheckMs` before it looks at the replicas again (the write itself is never refused:
 * Redis without a replica is as durable as Redis makes it).
 */
export interface ReplicaWaitOptions {
  timeoutMs: number;
  recheckMs: number;
}

const DEFAULTS: ReplicaWaitOptions = { timeoutMs: 500, recheckMs: 5000 };

interface State {
  replicas: number;
  checkedAt: number;
  degradedUntil: number;
}

const states = new WeakMap<Redis, State>();

async function connectedReplicas(redis: Redis): Promise<number> {
  const info = await redis.info('replication');
  const m = /connected_slaves:(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}

/**
 * Waits until the write just made on this connection reached every connected replica; returns how many acknowledged
 * it (0 when there is none to wait for). Never throws: a failed wait leaves the write as durable as Redis made it.
 */
export async function awaitReplicas(redis: Redis, opts: Partial<ReplicaWaitOptions> = {}): Promise<number> {
  const o = { ...DEFAULTS, ...opts };
  const now = Date.now();
  let s = states.get(redis);
  try {
    if (!s || now - s.checkedAt > o.recheckMs) {
      s = { replicas: await connectedReplicas(redis), checkedAt: now, degradedUntil: s?.degradedUntil ?? 0 };
      states.set(redis, s);
    }
    if (s.replicas === 0 || now < s.degradedUntil) return 0;
    const acked = Number(await redis.call('WAIT', String(s.replicas), String(o.timeoutMs)));
    if (acked < s.replicas) {
      // a replica is behind or gone: do not pay the timeout on every write until it is seen again
      s.degradedUntil = Date.now() + o.recheckMs;
      s.checkedAt = 0;
    }
    return acked;
  } catch {
    return 0;
  }
}
