import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalJournal } from '../../src/approval/approval-journal.js';
import { PlanStore, type StoredPlan } from '../../src/approval/plan-store.js';
import { sweepApproved } from '../../src/pipeline/sweeper.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { trailOf } from '../helpers/audit.js';
import { sandboxConfig, testLog, unique } from '../helpers/sandbox.js';

/**
 * Issue 15, part 2, for plans: Redis replicates asynchronously, so a master switch can take an approval back after
 * the approval message said "approved" (the plan pending again, or gone), and nobody would run it. The approval is
 * journaled under the data dir; the worker's sweeper notices the difference on real Redis, puts the approval back,
 * audits it and queues the plan, and forgets the entry once the plan is executed.
 */
let redis: Redis;
const prefix = unique('kdr-aj');
const journal = new ApprovalJournal(join(mkdtempSync(join(tmpdir(), 'kdr-aj-')), 'approvals'));
beforeAll(async () => {
  redis = await connectRedis(sandboxConfig().redis);
});
afterAll(() => redis.disconnect());

function plan(): StoredPlan {
  const now = Date.now();
  return {
    id: randomUUID(),
    kind: 'translate.commit',
    resource: `group:${randomUUID()}`,
    subject: { group: 'orders' },
    args: {},
    hash: 'h1',
    text: 'commit offsets of orders',
    requester: 'U0ALICE',
    channel: 'C0AJ',
    createdAt: now,
    expiresAt: now + 600_000,
    needed: 1,
    approvals: [],
    state: 'pending',
  };
}

describe('an approval a master switch took back (issue 15)', () => {
  it('is put back from the journal, audited and queued; the entry is dropped once the plan ran', async () => {
    const plans = new PlanStore(redis, prefix);
    const audit = trailOf(redis, prefix);
    const queued: string[] = [];
    const deps = {
      plans,
      hasLiveJob: async () => false,
      requeue: async (id: string) => void queued.push(id),
      audit,
      log: testLog,
      journal,
    };

    // two approved plans, journaled as the bot does on approval
    const pendingAgain = plan();
    const gone = plan();
    for (const p of [pendingAgain, gone]) {
      await plans.create(p);
      const { result, plan: approved } = await plans.decide(p.id, 'U0BOB', 'approve');
      expect(result).toBe('approved');
      journal.record(approved!);
    }
    // the switch: the promoted replica had the first one still pending and never saw the second
    await redis.set(`${prefix}:plan:${pendingAgain.id}`, JSON.stringify(pendingAgain), 'KEEPTTL');
    await redis.del(`${prefix}:plan:${gone.id}`);
    await redis.zrem(`${prefix}:plans:approved`, pendingAgain.id, gone.id);
    expect(await plans.approvedBefore(Date.now())).toEqual([]);

    expect((await sweepApproved(deps, 0)).sort()).toEqual([pendingAgain.id, gone.id].sort());
    for (const p of [pendingAgain, gone]) {
      const back = await plans.get(p.id);
      expect(back?.state).toBe('approved');
      expect(back?.approvals.map((a) => a.user)).toEqual(['U0BOB']);
      expect(back?.hash).toBe(p.hash);
    }
    const entries = (await audit.read()).entries.filter((e) => e.action === 'plan.restore');
    expect(entries.map((e) => e.planId).sort()).toEqual([pendingAgain.id, gone.id].sort());
    expect(entries.find((e) => e.planId === pendingAgain.id)?.outcome).toMatch(
      /^restored: Redis had the plan pending again \(a master switch\?\); approved by U0BOB/,
    );
    expect(entries.find((e) => e.planId === gone.id)?.outcome).toMatch(/Redis had lost the plan/);

    // a second sweep finds nothing to put back (the plans are approved in Redis)
    queued.length = 0;
    await sweepApproved(deps, 0);
    expect((await audit.read()).entries.filter((e) => e.action === 'plan.restore')).toHaveLength(2);

    // executed: the journal entry goes; a pending plan never approved is never "restored"
    for (const p of [pendingAgain, gone]) {
      await plans.transition(p.id, 'executing', ['approved']);
      await plans.transition(p.id, 'executed', ['executing'], 'done');
    }
    await sweepApproved(deps, 0);
    expect(journal.entries()).toEqual([]);
    expect(existsSync(join(journal.dir, `${gone.id}.json`))).toBe(false);
    const never = plan();
    await plans.create(never);
    await sweepApproved(deps, 0);
    expect((await plans.get(never.id))?.state).toBe('pending');
  });
});
