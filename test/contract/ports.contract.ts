import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PlanStorePort, StoredPlan } from '../../src/approval/plan-store-port.js';
import type { LockHolder, LockPort } from '../../src/locks/lock-port.js';
import type { GroupOffsetsPort, ProgressPort } from '../../src/pipeline/ports.js';

/**
 * One contract for each port, run against the in-memory fakes (test/unit) and the real Redis and Kafka
 * adapters (test/integration), so that the fakes the pipeline's unit tests use stay honest.
 */
const plan = (over: Partial<StoredPlan> = {}): StoredPlan => ({
  id: randomUUID(),
  kind: 'translate.commit',
  resource: `r-${randomUUID()}`,
  subject: { group: 'g' },
  args: { groups: ['a', 'b'] },
  hash: 'h',
  text: 'plan',
  body: JSON.stringify({ groups: [], refused: [] }),
  requester: 'U0ALICE',
  channel: 'C1',
  createdAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  needed: 2,
  approvals: [],
  state: 'pending',
  ...over,
});

export function planStoreContract(name: string, make: () => Promise<PlanStorePort>) {
  describe(`plan store contract: ${name}`, () => {
    it('N-of-M: approvals counted by distinct user; the Nth approves; later clicks see the state', async () => {
      const store = await make();
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

    it('a newer plan for the same resource supersedes a pending one; expired and missing plans', async () => {
      const store = await make();
      const a = plan();
      const b = plan({ resource: a.resource });
      expect(await store.create(a)).toBeUndefined();
      expect((await store.create(b))?.id).toBe(a.id);
      expect((await store.get(a.id))!.state).toBe('superseded');
      expect((await store.decide(a.id, 'U0BOB', 'approve')).result).toBe('state:superseded');
      const old = plan({ expiresAt: Date.now() - 1 });
      await store.create(old);
      expect((await store.decide(old.id, 'U0BOB', 'approve')).result).toBe('expired');
      expect((await store.get(old.id))!.state).toBe('expired');
      expect((await store.decide(randomUUID(), 'U0BOB', 'approve')).result).toBe('missing');
      expect((await store.transition(randomUUID(), 'executing', ['approved'])).result).toBe('missing');
    });

    it('approved plans are indexed until they finish; attempts count executions; body and args survive', async () => {
      const store = await make();
      const p = plan({ needed: 1 });
      await store.create(p);
      await store.decide(p.id, 'U0BOB', 'approve');
      expect(await store.approvedBefore(Date.now() + 1)).toContain(p.id);
      expect(await store.approvedBefore(Date.now() - 60_000)).not.toContain(p.id);
      await store.transition(p.id, 'executing', ['approved', 'executing']);
      const again = await store.transition(p.id, 'executing', ['approved', 'executing']);
      expect(again.plan!.attempts).toBe(2);
      expect(await store.approvedBefore(Date.now() + 1)).toContain(p.id);
      const done = await store.transition(p.id, 'refused', ['executing'], 'the live state changed');
      expect(done.plan!.state).toBe('refused');
      expect(done.plan!.result).toBe('the live state changed');
      expect(done.plan!.body).toBe(p.body);
      expect(done.plan!.args).toEqual(p.args);
      expect(await store.approvedBefore(Date.now() + 1)).not.toContain(p.id);
      await store.setMessage(p.id, 'C2', '1.2');
      expect((await store.get(p.id))!.ts).toBe('1.2');
    });
  });
}

const holder = (who: string): LockHolder => ({
  who,
  what: 'test',
  pid: 1,
  host: 'h',
  at: new Date().toISOString(),
});

export function lockContract(name: string, make: () => Promise<LockPort>) {
  describe(`lock contract: ${name}`, () => {
    it('one holder at a time; the refused one learns who holds it; only the token releases', async () => {
      const locks = await make();
      const r = `lock-${randomUUID()}`;
      const a = await locks.acquire(r, holder('A'), 10_000);
      expect(a.ok).toBe(true);
      const b = await locks.acquire(r, holder('B'), 10_000);
      expect(b.ok).toBe(false);
      if (!b.ok) expect(b.holder.who).toBe('A');
      if (a.ok) await a.lock.release();
      expect(await locks.holder(r)).toBeUndefined();
      expect((await locks.acquire(r, holder('B'), 10_000)).ok).toBe(true);
    });

    it('the same owner takes its lock over (a retry after a crash); the old token can no longer renew it', async () => {
      const locks = await make();
      const r = `lock-${randomUUID()}`;
      const first = await locks.acquire(r, holder('plan p1'), 10_000, 'p1');
      expect((await locks.acquire(r, holder('plan p2'), 10_000, 'p2')).ok).toBe(false);
      const again = await locks.acquire(r, holder('plan p1, retry'), 10_000, 'p1');
      expect(again.ok).toBe(true);
      if (first.ok) {
        expect(await first.lock.renew()).toBe(false);
        await first.lock.release(); // a stale holder's release leaves the new holder's lock alone
      }
      expect((await locks.holder(r))?.who).toBe('plan p1, retry');
      expect((await locks.acquire(r, holder('no owner'), 10_000)).ok).toBe(false);
    });

    it('expires when not renewed; renewing keeps it; breaking needs the start it saw', async () => {
      const locks = await make();
      const r = `lock-${randomUUID()}`;
      const a = await locks.acquire(r, holder('A'), 1500);
      expect(a.ok).toBe(true);
      if (!a.ok) return;
      await new Promise((x) => setTimeout(x, 900));
      expect(await a.lock.renew()).toBe(true);
      await new Promise((x) => setTimeout(x, 900)); // 1.8 s after taking it: alive only because it was renewed
      expect((await locks.holder(r))?.who).toBe('A');
      await new Promise((x) => setTimeout(x, 1700));
      expect(await locks.holder(r)).toBeUndefined();
      expect(await a.lock.renew()).toBe(false);
      const b = await locks.acquire(r, holder('B'), 10_000);
      expect(b.ok).toBe(true);
      const seen = (await locks.list()).find((l) => l.resource === r)!;
      expect(seen.holder.who).toBe('B');
      expect(await locks.breakIf(r, '2000-01-01T00:00:00.000Z')).toBe(false);
      expect(await locks.breakIf(r, seen.holder.at)).toBe(true);
      expect(await locks.holder(r)).toBeUndefined();
    });
  });
}

export function progressContract(name: string, make: () => Promise<ProgressPort>) {
  describe(`progress contract: ${name}`, () => {
    it('parts marked done stay done, per plan', async () => {
      const p = await make();
      const id = randomUUID();
      expect(await p.isDone(id, 'g1')).toBe(false);
      await p.markDone(id, 'g1');
      await p.markDone(id, 'g1');
      await p.markDone(id, 'g2');
      expect(await p.isDone(id, 'g1')).toBe(true);
      expect(await p.isDone(randomUUID(), 'g1')).toBe(false);
      expect(await p.count(id)).toBe(2);
    });
  });
}

export function offsetsContract(
  name: string,
  make: () => Promise<{
    port: GroupOffsetsPort;
    cluster: string;
    topic: string;
    close?: () => Promise<void>;
  }>,
) {
  describe(`group offsets contract: ${name}`, () => {
    it('commits read back; a second commit moves them; groups are separate; unknown group: none', async () => {
      const { port, cluster, topic, close } = await make();
      try {
        const g = `g-${randomUUID()}`;
        expect(await port.read(cluster, g)).toEqual([]);
        await port.commit(cluster, g, [
          { topic, partition: 0, offset: 5 },
          { topic, partition: 1, offset: 7 },
        ]);
        expect(await port.read(cluster, g)).toEqual([
          { topic, partition: 0, offset: 5 },
          { topic, partition: 1, offset: 7 },
        ]);
        await port.commit(cluster, g, [{ topic, partition: 1, offset: 3 }]);
        expect(await port.read(cluster, g)).toEqual([
          { topic, partition: 0, offset: 5 },
          { topic, partition: 1, offset: 3 },
        ]);
        expect(await port.read(cluster, `g-${randomUUID()}`)).toEqual([]);
      } finally {
        await port.close();
        await close?.();
      }
    });
  });
}
