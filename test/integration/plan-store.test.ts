import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { PlanStore, type StoredPlan } from '../../src/approval/plan-store.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { sandboxConfig, unique } from '../helpers/sandbox.js';

const redis = await connectRedis(sandboxConfig().redis.url);
afterAll(() => redis.disconnect());

const plan = (over: Partial<StoredPlan> = {}): StoredPlan => ({
  id: randomUUID(),
  kind: 'translate.commit',
  resource: 'translate:f:dr:g',
  subject: { group: 'g' },
  args: {},
  hash: 'h',
  text: 'plan',
  requester: 'U0ALICE',
  channel: 'C1',
  createdAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  needed: 2,
  approvals: [],
  state: 'pending',
  ...over,
});

describe('plans in Redis (real Redis, Lua state machine)', () => {
  it('N-of-M: approvals counted by distinct user; the Nth approves; later clicks see the state', async () => {
    const store = new PlanStore(redis, unique('kdr-plans'));
    const p = plan();
    await store.create(p);
    expect((await store.decide(p.id, 'U0BOB', 'approve')).result).toBe('recorded');
    expect((await store.decide(p.id, 'U0BOB', 'approve')).result).toBe('duplicate');
    const done = await store.decide(p.id, 'U0DAVE', 'approve');
    expect(done.result).toBe('approved');
    expect(done.plan!.approvals.map((a) => a.user)).toEqual(['U0BOB', 'U0DAVE']);
    expect((await store.decide(p.id, 'U0CAROL', 'approve')).result).toBe('state:approved');
    expect((await store.transition(p.id, 'executing', ['approved'])).result).toBe('ok');
    expect((await store.transition(p.id, 'executing', ['approved'])).result).toBe('state:executing');
  });

  it('a newer plan for the same resource supersedes a pending one; an expired plan cannot be approved', async () => {
    const store = new PlanStore(redis, unique('kdr-plans'));
    const a = plan();
    const b = plan();
    await store.create(a);
    await store.create(b);
    expect((await store.get(a.id))!.state).toBe('superseded');
    expect((await store.decide(a.id, 'U0BOB', 'approve')).result).toBe('state:superseded');
    const old = plan({ resource: 'other', expiresAt: Date.now() - 1 });
    await store.create(old);
    expect((await store.decide(old.id, 'U0BOB', 'approve')).result).toBe('expired');
    expect((await store.get(old.id))!.state).toBe('expired');
    expect((await store.decide(randomUUID(), 'U0BOB', 'approve')).result).toBe('missing');
  });
});
