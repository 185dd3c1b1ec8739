import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredPlan } from '../../src/approval/plan-store-port.js';
import { NO_CONFIG } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import type { AnyChange, Change, ChangeEnv } from '../../src/pipeline/change.js';
import { type ExecEnv, executeApproved } from '../../src/pipeline/execute-approved.js';
import type { Ports } from '../../src/pipeline/ports.js';
import { runOnTerminal } from '../../src/pipeline/run-change.js';
import { sweepApproved } from '../../src/pipeline/sweeper.js';
import { type OffsetsArgs, offsetsArgs, offsetsChange } from '../../src/translate/offsets-change.js';
import type { OffsetsBody } from '../../src/translate/offsets-types.js';
import { type FakePorts, fakePorts } from '../fakes/fake-ports.js';

const log = createLogger('silent');
const config = { ...NO_CONFIG, changes: { lockTtl: 30_000, pace: 0, sweep: 2000 } };
const GROUPS = Array.from({ length: 8 }, (_, i) => `g${i}`);
const target = (g: string) => [
  { topic: 'primary.t', partition: 0, offset: 10 + Number(g.slice(1)) },
  { topic: 'primary.t', partition: 1, offset: 20 },
];

/**
 * The offsets change with its planning replaced by the fake cluster's state (the translation itself is tested
 * against real MM2 elsewhere): its reconcile and apply, the per-group parts, are the real ones.
 */
const fakeOffsets: Change<OffsetsArgs, OffsetsBody> = {
  ...offsetsChange,
  plan: async (env, a) => {
    const body: OffsetsBody = {
      flow: 'f',
      direction: 'failover',
      cluster: 'dr',
      groups: [],
      refused: [],
      unchanged: [],
    };
    for (const g of a.groups) {
      const now = new Map((await env.ports.offsets.read('dr', g)).map((o) => [o.partition, o.offset]));
      const changes = target(g)
        .filter((t) => now.get(t.partition) !== t.offset)
        .map((t) => ({
          topic: t.topic,
          partition: t.partition,
          from: now.get(t.partition) ?? null,
          to: t.offset,
        }));
      if (changes.length) body.groups.push({ group: g, changes, skipped: [] });
      else body.unchanged.push(g);
    }
    const hash = createHash('sha256').update(JSON.stringify(body.groups)).digest('hex');
    return {
      hash,
      body,
      refusals: [],
      empty: body.groups.length === 0,
      text: `commit ${body.groups.length}`,
      summary: '',
    };
  },
};
const changes = new Map<string, AnyChange>([[fakeOffsets.kind, fakeOffsets]]);
const args = offsetsArgs.parse({ flow: 'f', groups: GROUPS });

class Crash extends Error {}

/** Ports whose `crashAt`-th write throws, and every call after it too: the process died there. */
function crashing(p: Ports, crashAt: number): { ports: Ports; crashed: () => boolean; writes: () => number } {
  let n = 0;
  let dead = false;
  const write = () => {
    if (dead) throw new Crash('dead');
    n++;
    if (n === crashAt) {
      dead = true;
      throw new Crash(`crash at write ${n}`);
    }
  };
  const read = () => {
    if (dead) throw new Crash('dead');
  };
  const wrap = <T extends object>(o: T, writes: string[]): T =>
    new Proxy(o, {
      get(t, k, r) {
        const v = Reflect.get(t, k, r);
        if (typeof v !== 'function') return v;
        return async (...xs: unknown[]) => {
          (writes.includes(String(k)) ? write : read)();
          const out = await v.apply(t, xs);
          if (k === 'acquire' && (out as { ok: boolean }).ok) {
            const lock = (out as { lock: object }).lock;
            return { ...out, lock: wrap(lock, ['renew', 'release']) };
          }
          return out;
        };
      },
    });
  return {
    ports: {
      plans: wrap(p.plans, ['create', 'decide', 'transition', 'setMessage', 'forgetApproved']),
      locks: wrap(p.locks, ['acquire', 'breakIf']),
      audit: wrap(p.audit, ['append']),
      progress: wrap(p.progress, ['markDone']),
      offsets: wrap(p.offsets, ['commit']),
    },
    crashed: () => dead,
    writes: () => n,
  };
}

async function approvedPlan(ports: FakePorts): Promise<string> {
  const env: ChangeEnv = { config, log, ports };
  const plan = await fakeOffsets.plan(env, args);
  const id = randomUUID();
  const stored: StoredPlan = {
    id,
    kind: fakeOffsets.kind,
    resource: 'k',
    subject: { flow: 'f' },
    args,
    hash: plan.hash,
    text: plan.text,
    body: JSON.stringify(plan.body),
    requester: 'U0ALICE',
    channel: 'C1',
    createdAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    needed: 1,
    approvals: [],
    state: 'pending',
  };
  await ports.plans.create(stored);
  await ports.plans.decide(id, 'U0BOB', 'approve');
  return id;
}

const execEnv = (ports: Ports): ExecEnv => ({ config, log, ports, changes, notify: async () => undefined });

describe('the pipeline on fakes: an approved plan runs once, whatever dies when', () => {
  it('runs: every group written once, read back, one closing audit entry, lock free', async () => {
    const ports = fakePorts();
    const id = await approvedPlan(ports);
    const r = await executeApproved(execEnv(ports), id, { finalAttempt: true });
    expect(r.status).toBe('executed');
    expect(r.text).toMatch(/committed 8 group\(s\) \(16 partition\(s\)\) on dr; read back: equal/);
    expect([...ports.offsets.commits.values()]).toEqual(GROUPS.map(() => 1));
    expect(ports.audit.entries.map((e) => e.action)).toEqual(['plan.execute', 'plan.execute']);
    expect(await ports.locks.list()).toEqual([]);
    expect((await executeApproved(execEnv(ports), id, { finalAttempt: true })).status).toBe('not-run');
  });

  it('a crash between any two writes: the next worker finishes; each group committed once; one closing entry', async () => {
    // count the writes of a run without a crash, then crash at each of them in turn
    const probe = fakePorts();
    const counting = crashing(probe, Number.POSITIVE_INFINITY);
    await executeApproved(execEnv(counting.ports), await approvedPlan(probe), { finalAttempt: true });
    const total = counting.writes();
    expect(total).toBeGreaterThan(GROUPS.length * 2);
    for (let k = 1; k <= total; k++) {
      const ports = fakePorts();
      const id = await approvedPlan(ports);
      const dying = crashing(ports, k);
      // the crash escapes, except where the write was best effort anyway (releasing the lock at the end)
      await executeApproved(execEnv(dying.ports), id, { finalAttempt: false }).catch((err) => {
        if (!(err instanceof Crash)) throw err;
      });
      expect(dying.crashed()).toBe(true);
      // BullMQ hands the stalled job to another worker: same plan id, fresh process
      await executeApproved(execEnv(ports), id, { finalAttempt: true });
      const why = `crash at write ${k} of ${total}`;
      expect((await ports.plans.get(id))?.state, why).toBe('executed');
      for (const g of GROUPS)
        expect(await ports.offsets.read('dr', g), why).toEqual(target(g).map((t) => ({ ...t })));
      expect([...ports.offsets.commits.values()], why).toEqual(GROUPS.map(() => 1));
      const closing = ports.audit.entries.filter(
        (e) => e.action === 'plan.execute' && e.outcome !== 'started',
      );
      expect(
        closing.map((e) => e.outcome.split(':')[0]),
        why,
      ).toEqual(['executed']);
      expect(await ports.locks.list(), why).toEqual([]);
    }
  });

  it('the live state changed before execution: refused, nothing written', async () => {
    const ports = fakePorts();
    const id = await approvedPlan(ports);
    await ports.offsets.commit('dr', 'g3', [{ topic: 'primary.t', partition: 1, offset: 5 }]);
    const r = await executeApproved(execEnv(ports), id, { finalAttempt: true });
    expect(r.status).toBe('refused');
    expect(r.text).toContain('no longer matches the approved plan');
    expect((await ports.plans.get(id))?.state).toBe('refused');
    expect([...ports.offsets.commits.values()]).toEqual([1]); // only the test's own commit
  });

  it('a lock held by another: retried while attempts remain, then failed naming the holder', async () => {
    const ports = fakePorts();
    const id = await approvedPlan(ports);
    const resource = fakeOffsets.resource(args);
    await ports.locks.acquire(
      resource,
      { who: 'cli:ops@a', what: 'x', pid: 1, host: 'a', at: new Date().toISOString() },
      60_000,
    );
    const first = await executeApproved(execEnv(ports), id, { finalAttempt: false });
    expect(first).toMatchObject({ status: 'failed', retry: true });
    expect((await ports.plans.get(id))?.state).toBe('executing');
    const last = await executeApproved(execEnv(ports), id, { finalAttempt: true });
    expect(last.status).toBe('failed');
    expect(last.text).toContain('locked by cli:ops@a');
    expect(ports.offsets.commits.size).toBe(0);
  });

  it('a stale executor cannot write after another took over its lock', async () => {
    const ports = fakePorts();
    const id = await approvedPlan(ports);
    const resource = fakeOffsets.resource(args);
    // the executor's lock expires and someone else takes it between two groups
    const stealing: Ports = {
      ...ports,
      progress: {
        ...ports.progress,
        isDone: ports.progress.isDone.bind(ports.progress),
        count: ports.progress.count.bind(ports.progress),
        markDone: async (plan, part) => {
          await ports.progress.markDone(plan, part);
          if (part === 'g2') {
            ports.locks.entries.delete(resource);
            await ports.locks.acquire(
              resource,
              { who: 'other', what: 'y', pid: 2, host: 'b', at: new Date().toISOString() },
              60_000,
            );
          }
        },
      },
    };
    const r = await executeApproved(execEnv(stealing), id, { finalAttempt: true });
    expect(r.status).toBe('failed');
    expect(r.text).toContain('is no longer held by this execution');
    expect(ports.offsets.commits.size).toBe(3);
  });

  it('the sweeper queues approved plans without a job, once they are past the grace period', async () => {
    const ports = fakePorts();
    const id = await approvedPlan(ports);
    const queued: string[] = [];
    const d = {
      plans: ports.plans,
      audit: ports.audit,
      log,
      hasLiveJob: async (x: string) => queued.includes(x),
      requeue: async (x: string) => void queued.push(x),
    };
    expect(await sweepApproved(d, 2000)).toEqual([]);
    expect(await sweepApproved(d, 2000, Date.now() + 3000)).toEqual([id]);
    expect(await sweepApproved(d, 2000, Date.now() + 3000)).toEqual([]);
    await executeApproved(execEnv(ports), id, { finalAttempt: true });
    expect(await ports.plans.approvedBefore(Date.now() + 3000)).toEqual([]);
  });

  it('terminal: lock before planning, confirmation shows the plan, a declined plan changes nothing', async () => {
    const ports = fakePorts();
    const env = { config, log, ports };
    const asked: string[] = [];
    const gate = {
      actor: { transport: 'cli' as const, user: 'cli:me@h' },
      yes: false,
      confirm: async (text: string, prompt: string) => {
        asked.push(`${prompt} ${text}`);
        expect(await ports.locks.list()).toHaveLength(1);
        return false;
      },
    };
    await expect(runOnTerminal(env, fakeOffsets, args, gate)).rejects.toThrow('not confirmed');
    expect(asked).toEqual(['Commit these offsets? commit 8']);
    expect(ports.offsets.commits.size).toBe(0);
    expect(await ports.locks.list()).toEqual([]);
    const ok = await runOnTerminal(env, fakeOffsets, args, { ...gate, yes: true });
    expect(ok.kind).toBe('applied');
    expect(ports.audit.entries.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'translate.plan:planned',
      'translate.confirm:declined',
      'translate.plan:planned',
      'translate.confirm:confirmed by --yes',
      'translate.execute:written',
      'translate.verify:verified',
    ]);
    const again = await runOnTerminal(env, fakeOffsets, args, { ...gate, yes: true });
    expect(again.kind).toBe('unchanged');
  });
});
