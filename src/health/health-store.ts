import type { Redis } from 'ioredis';
import type { GroupSample, GroupStatus } from './group-window.js';
import type { Level } from './verdict.js';

export interface FlowState {
  level: Level;
  since: string;
  reason: string;
}

export interface GroupState {
  status: GroupStatus;
  since: string;
  reason: string;
}

/** The source end offsets a scheduled check last saw (`topic:partition` → offset): unplanned loss is counted from it. */
export interface SeenEnds {
  at: string;
  ends: Record<string, number>;
}

/** A flow whose scheduled alerts a runbook run holds: during a failover, and after it until failback. */
export interface Mute {
  run: string;
  since: string;
  reason: string;
}

export interface Alert {
  id: string;
  flow: string;
  kind: string;
  subject: string;
  text: string;
  at: string;
}

/**
 * Health state in Redis, so that a restarted worker neither re-sends an alert nor loses one: a transition and
 * its alert are written in one MULTI (state + outbox); the outbox is drained by posting, marking the alert
 * sent, then removing it. A crash between the post and the mark can repeat one alert (at-least-once).
 */
export class HealthStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(...parts: string[]): string {
    return [this.prefix, 'health', ...parts].join(':');
  }

  async mute(flow: string, mute: Mute): Promise<void> {
    await this.redis.set(this.k('muted', flow), JSON.stringify(mute));
  }

  async muted(flow: string): Promise<Mute | undefined> {
    const raw = await this.redis.get(this.k('muted', flow));
    return raw ? (JSON.parse(raw) as Mute) : undefined;
  }

  /** Lifts the mute only if `run` holds it (another run's mute stays). */
  async unmute(flow: string, run: string): Promise<boolean> {
    const m = await this.muted(flow);
    if (!m || m.run !== run) return false;
    await this.redis.del(this.k('muted', flow));
    return true;
  }

  async recordSeenEnds(flow: string, seen: SeenEnds): Promise<void> {
    await this.redis.set(this.k('seen', flow), JSON.stringify(seen));
  }

  async seenEnds(flow: string): Promise<SeenEnds | undefined> {
    const raw = await this.redis.get(this.k('seen', flow));
    return raw ? (JSON.parse(raw) as SeenEnds) : undefined;
  }

  async flowState(flow: string): Promise<FlowState | undefined> {
    const raw = await this.redis.get(this.k('flow', flow));
    return raw ? (JSON.parse(raw) as FlowState) : undefined;
  }

  async groupStates(flow: string): Promise<Map<string, GroupState>> {
    const all = await this.redis.hgetall(this.k('groups', flow));
    return new Map(Object.entries(all).map(([g, v]) => [g, JSON.parse(v) as GroupState]));
  }

  /** Appends a sample and returns the window, oldest first. */
  async addGroupSample(
    flow: string,
    group: string,
    sample: GroupSample,
    window: number,
  ): Promise<GroupSample[]> {
    const key = this.k('samples', flow, group);
    const res = await this.redis
      .multi()
      .rpush(key, JSON.stringify(sample))
      .ltrim(key, -window, -1)
      .pexpire(key, 86_400_000)
      .lrange(key, 0, -1)
      .exec();
    const list = (res?.[3]?.[1] ?? []) as string[];
    return list.map((s) => JSON.parse(s) as GroupSample);
  }

  async commit(
    flow: string,
    flowState: FlowState | undefined,
    groups: Map<string, GroupState>,
    alerts: Alert[],
  ): Promise<void> {
    const m = this.redis.multi();
    if (flowState) m.set(this.k('flow', flow), JSON.stringify(flowState));
    for (const [g, st] of groups) m.hset(this.k('groups', flow), g, JSON.stringify(st));
    for (const a of alerts) m.rpush(this.k('outbox'), JSON.stringify(a));
    await m.exec();
  }

  async pendingAlerts(): Promise<Alert[]> {
    return (await this.redis.lrange(this.k('outbox'), 0, -1)).map((s) => JSON.parse(s) as Alert);
  }

  async wasSent(id: string): Promise<boolean> {
    return (await this.redis.exists(this.k('sent', id))) === 1;
  }

  async markSent(alert: Alert, ts: string): Promise<void> {
    await this.redis
      .multi()
      .set(this.k('sent', alert.id), ts, 'PX', 7 * 86_400_000)
      .lrem(this.k('outbox'), 1, JSON.stringify(alert))
      .exec();
  }

  async drop(alert: Alert): Promise<void> {
    await this.redis.lrem(this.k('outbox'), 1, JSON.stringify(alert));
  }

  /** One check per flow at a time, across worker replicas. */
  async withFlowLock<T>(flow: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> {
    const key = this.k('lock', flow);
    const token = `${process.pid}-${Date.now()}-${Math.random()}`;
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
    try {
      return await fn();
    } finally {
      await this.redis.eval(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
        1,
        key,
        token,
      );
    }
  }
}
