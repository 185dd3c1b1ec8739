import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { RunStore } from '../../src/runbook/run-store.js';
import { approvalConfig, ephemeralsTo } from '../helpers/approvals.js';
import { trailOf } from '../helpers/audit.js';
import { clickButton, currentButton, failoverFlow, slash } from '../helpers/failover-fixture.js';
import { eventually, sandboxConfig, unique } from '../helpers/sandbox.js';
import { startSlackRig } from '../helpers/slack.js';

/**
 * Issue 15: a step plan that Redis lost in a master switch before anyone approved it (asynchronous replication
 * keeps the run, loses the plan) would leave the run waiting on a button that leads nowhere. The worker's run
 * watchdog plans the step again; the old button is refused, the new one runs the step. Real sandbox, Redis, Slack
 * protocol; the loss is made by deleting the plan's keys, as a switch does.
 */
const dir = mkdtempSync(join(tmpdir(), 'kdr-wd-'));
const base = sandboxConfig();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('run watchdog on the sandbox (issue 15)', () => {
  it('a lost step plan is planned again within stuckAfter; the old button is refused, the new one runs', async () => {
    const f = await failoverFlow(dir, 1, cleanups);
    const prefix = unique('kdr-wd');
    const loaded = approvalConfig(600_000, loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: prefix }));
    const config = { ...loaded, runbook: { ...loaded.runbook, stuckAfter: 3000 } };
    const rig = await startSlackRig({ config, prefix });
    cleanups.push(() => rig.stop());
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const runs = new RunStore(redis, prefix, join(dir, 'observer-runs'));

    await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS');
    const lost = await eventually('the freeze approval', 90_000, async () => {
      const b = currentButton(rig, 'C0FOINC');
      return b?.label === 'Approve freeze' ? b : undefined;
    });
    const run = (await runs.list(1))[0]!;
    // the switch: the plan and its resource pointer are gone, the run still names the plan
    await redis.del(`${prefix}:plan:${lost.planId}`, `${prefix}:plan-for:run:${run.run}:freeze`);

    const again = await eventually('freeze planned again', 90_000, async () => {
      const b = currentButton(rig, 'C0FOINC');
      return b?.label === 'Approve freeze' && b.planId !== lost.planId ? b : undefined;
    });
    await clickButton(rig, 'C0FOINC', lost, 'U0BOB');
    await eventually('the old button refused', 30_000, async () =>
      ephemeralsTo(rig, 'U0BOB', 'C0FOINC').find((t) => t.includes('no plan')),
    );
    await clickButton(rig, 'C0FOINC', again, 'U0BOB');
    const frozen = await eventually('freeze done', 90_000, async () => {
      const r = await runs.get(run.run);
      return r?.steps.find((s) => s.id === 'freeze')?.state === 'done' ? r : undefined;
    });
    expect(frozen.problems.join(' ')).toContain(`its plan ${lost.planId} was lost from Redis`);
    const trail = (await trailOf(redis, prefix).read()).entries.filter((e) => e.subject?.run === run.run);
    expect(trail.filter((e) => e.action === 'run.step.freeze').map((e) => e.outcome.split(':')[0])).toEqual([
      'planned again',
      'done',
    ]);
    console.log(
      `run watchdog: freeze plan ${lost.planId.slice(0, 8)} lost; planned again as ${again.planId.slice(0, 8)}; old button refused; freeze done`,
    );
  }, 240_000);
});
