import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PlanStore } from '../../src/approval/plan-store.js';
import { loadConfig } from '../../src/config/load.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { openRun, type RunbookDeps, stepContext } from '../../src/runbook/engine.js';
import { RunStore } from '../../src/runbook/run-store.js';
import { endOffsets } from '../../src/runbook/step.js';
import { FAILOVER_STEPS } from '../../src/runbook/steps/index.js';
import { declare } from '../../src/runbook/steps/verify-declare.js';
import { fakePorts } from '../fakes/fake-ports.js';
import { MemoryRuns } from '../fakes/memory-runs.js';
import { approvalConfig, ephemeralsTo } from '../helpers/approvals.js';
import { aclsMatching, deleteAclsMatching, topicAcl, withAdmin } from '../helpers/backup-fixture.js';
import {
  approveAll,
  clickButton,
  clickRunButton,
  currentButton,
  failoverFlow,
  runMessageText,
  slash,
} from '../helpers/failover-fixture.js';
import { eventually, sandboxConfig, testLog, unique } from '../helpers/sandbox.js';
import { startSlackRig } from '../helpers/slack.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fr-'));
const base = sandboxConfig();
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('runbook refusals on the real sandbox, through Slack', () => {
  it("an expired step plan cannot run (retry plans it again); a step whose live state changed after approval is planned and asked again; the optional registry step is skipped with its button; a fence copied to DR by MM2's ACL sync is removed at cutover", async () => {
    const f = await failoverFlow(dir, 2, cleanups, { registryHook: true, aclFence: true });
    cleanups.push(() => deleteAclsMatching(base.clusters.primary!.bootstrap[0]!, f.alias));
    cleanups.push(() => deleteAclsMatching(base.clusters.dr!.bootstrap[0]!, f.alias));
    const prefix = unique('kdr-fr');
    // approvals live 8 s: the scripted approver clicks within a second, the test lets one plan run out
    const config = approvalConfig(8000, loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: prefix }));
    const rig = await startSlackRig({ config, prefix });
    cleanups.push(() => rig.stop());
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const runs = new RunStore(redis, prefix, join(dir, 'runs'));
    const plans = new PlanStore(redis, prefix);
    const current = async () => (await runs.list(1))[0]!;

    await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS');
    const freeze = await eventually('the freeze approval', 60_000, async () => {
      const b = currentButton(rig, 'C0FOINC');
      return b?.label === 'Approve freeze' ? b : undefined;
    });
    const expiresAt = (await plans.get(freeze.planId))!.expiresAt;
    await eventually('the freeze plan expired', 30_000, async () =>
      Date.now() > expiresAt ? true : undefined,
    );
    await clickButton(rig, 'C0FOINC', freeze, 'U0BOB');
    await eventually('the expired click refused', 30_000, async () =>
      ephemeralsTo(rig, 'U0BOB', 'C0FOINC').find((t) => t.includes('expired')),
    );
    const waiting = await eventually('the run waiting for a person', 30_000, async () => {
      const r = await current();
      return r.state === 'waiting' ? r : undefined;
    });
    expect(waiting.waitingFor).toContain('freeze expired');
    expect(waiting.steps.find((s) => s.id === 'freeze')!.startedAt).toBeUndefined(); // nothing ran

    // retry plans the step again; then one group's DR offset changes under the approved offsets plan
    await slash(rig, `runbook ${waiting.run} retry`, 'U0ALICE', 'C0FOOPS');
    let changedUnder: string | undefined;
    let copied = false;
    const dr = new ClusterReader('dr', base.clusters.dr!);
    cleanups.push(() => dr.close());
    const clicked = await approveAll(
      rig,
      'C0FOINC',
      'U0BOB',
      async () => (await current()).state === 'completed',
      async (label) => {
        if (label === 'Approve offsets' && !changedUnder) {
          const b = currentButton(rig, 'C0FOINC')!;
          changedUnder = b.planId;
          const writer = new GroupOffsetWriter('dr', base.clusters.dr!);
          await writer.commit(f.groups[1]!, [{ topic: `${f.alias}.${f.topic}`, partition: 0, offset: 0n }]);
          await writer.close();
        }
        if (label.startsWith('Confirm') && !copied) {
          // MM2's ACL sync (off in the sandbox) copies DENY bindings: as if it ran between freeze and fence
          copied = true;
          await withAdmin(base.clusters.dr!.bootstrap[0]!, (a) =>
            a.createAcls({ acl: [topicAcl('User:producer', `${f.alias}.${f.topic}`, 'WRITE', false, true)] }),
          );
        }
        if (label === 'Approve registry') {
          // the optional step: Skip instead of approving (the approve click that follows is then refused)
          await clickRunButton(rig, 'C0FOINC', 'kdr_run_skip', 'U0ALICE');
          await eventually('registry skipped', 30_000, async () =>
            (await current()).steps.find((s) => s.id === 'registry')?.state === 'skipped' ? true : undefined,
          );
        }
      },
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${runMessageText(rig, 'C0FOINC')}`);
    });
    const run = await current();
    expect(run.state).toBe('completed');
    expect(run.steps.find((s) => s.id === 'registry')!.result).toBe('skipped by U0ALICE');
    // the fence copy on DR was removed at cutover (it would refuse the producers there); the fence on the old
    // primary stays (failback takes it down)
    expect(run.steps.find((s) => s.id === 'cutover')!.result).toContain('1 copied fence binding(s) removed');
    expect(await withAdmin(base.clusters.dr!.bootstrap[0]!, (a) => aclsMatching(a, f.alias))).toEqual([]);
    expect(
      await withAdmin(base.clusters.primary!.bootstrap[0]!, (a) => aclsMatching(a, f.alias)),
    ).toHaveLength(2);
    // the first offsets plan was refused at execution (its facts changed), a second one was approved and ran
    expect((await plans.get(changedUnder!))!.state).toBe('refused');
    const offsets = run.steps.find((s) => s.id === 'offsets')!;
    expect(offsets.planId).not.toBe(changedUnder);
    expect(clicked.has(offsets.planId!)).toBe(true);
    expect(run.problems.join('\n')).toContain(
      'offsets: the live state changed after approval; planned again',
    );
    // the group's DR offset is the translation, written by the second plan (not the 0 committed under the first)
    const g1 = await dr.groupOffsets(f.groups[1]!);
    expect(g1.find((o) => o.partition === 0)!.offset).toBeGreaterThan(0n);
  }, 400_000);

  it('declare is refused while the old primary holds records written after the freeze, naming the count', async () => {
    // the guard itself, on the real primary: a run whose freeze recorded heartbeats' end 2 records back
    const config = sandboxConfig();
    const d: RunbookDeps = {
      config,
      log: testLog,
      ports: fakePorts(),
      runs: new MemoryRuns(),
      steps: FAILOVER_STEPS,
    };
    const opened = await openRun(d, {
      flow: config.flows[0]!.name,
      mode: 'planned',
      drill: false,
      groups: [],
      requester: 'U0ALICE',
      transport: 'cli',
    });
    const ctx = stepContext(d, opened);
    const [end] = Object.values(await endOffsets(ctx, 'primary', ['heartbeats']));
    const run = await d.runs.update(opened.run, (r) => {
      r.steps.find((s) => s.id === 'freeze')!.data = { frozenEnds: { 'heartbeats:0': end! - 2 } };
      return r;
    });
    const out = await declare.execute(ctx, run, {}, undefined as never);
    expect(out.ok).toBe(false);
    const count = Number(/split-brain: (\d+) record\(s\)/.exec(out.result)?.[1]);
    expect(count).toBeGreaterThanOrEqual(2);
    expect(out.result).toContain('declare refused');
    expect(out.checks[0]).toMatchObject({ name: 'records on the old primary after the freeze', pass: false });
  });
});
