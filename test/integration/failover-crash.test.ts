import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { RunStore } from '../../src/runbook/run-store.js';
import type { Run } from '../../src/runbook/types.js';
import { approvalConfig } from '../helpers/approvals.js';
import { trailOf } from '../helpers/audit.js';
import { approver, failoverFlow, runMessageText, slash } from '../helpers/failover-fixture.js';
import { offsetCommitRecords } from '../helpers/offset-commits.js';
import { eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';
import { spawnKdrWorker, startSlackRig } from '../helpers/slack.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fc-'));
const base = sandboxConfig();
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('a worker killed in the middle of a run', () => {
  it('SIGKILL during drain and again during offsets (50 groups): new workers finish; each group written once; one execution per step', async () => {
    const f = await failoverFlow(dir, 50, cleanups);
    const prefix = unique('kdr-fk');
    const config = approvalConfig(600_000, loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: prefix }));
    const rig = await startSlackRig({ config, prefix });
    cleanups.push(() => rig.stop());
    await rig.runtime.execWorker!.close(); // steps execute in `kdr worker` processes only
    // KDR_CHANGE_PACE: ≥ 25 s for 50 groups: room to kill a worker in the middle on a loaded machine
    const startWorker = () => spawnKdrWorker(rig, f.file, cleanups, { KDR_CHANGE_PACE: '500ms' });
    const kill = async (w: ChildProcess) => {
      w.kill('SIGKILL');
      await new Promise((r) =>
        w.exitCode === null && w.signalCode === null ? w.on('close', r) : r(undefined),
      );
    };
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const runs = new RunStore(redis, prefix, join(dir, 'runs'));
    const current = async () => (await runs.list(1))[0];
    const stepOf = (run: Run | undefined, id: string) => run?.steps.find((s) => s.id === id);
    const approve = approver(rig, 'C0FOINC', 'U0BOB');
    const approveWhileNot = (done: () => Promise<boolean>, what: string) =>
      eventually(what, 180_000, async () => {
        if (await done()) return true;
        await approve.tick();
        return undefined;
      }).catch(async (err: Error) => {
        const run = await current();
        const steps = run?.steps.map((s) => `${s.id}=${s.state}`).join(' ');
        throw new Error(`${err.message}\nrun ${run?.state}: ${steps}\n${runMessageText(rig, 'C0FOINC')}`);
      });

    const a = startWorker();
    await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS');
    await eventually('the freeze awaiting approval (assess saw MM2 running)', 60_000, async () =>
      stepOf(await current(), 'freeze')?.state === 'awaiting approval' ? true : undefined,
    );
    // records the flow has not replicated yet: MM2's source connector is paused, so the drain has to wait
    const source = `${f.alias}->dr.MirrorSourceConnector`;
    await rest.setConnectorState(source, 'pause');
    await eventually('source connector paused', 30_000, async () =>
      (await rest.connectorStatus(source)).state === 'PAUSED' ? true : undefined,
    );
    const producer = fixtureKafka(base.clusters.primary!.bootstrap[0]!).producer();
    await producer.connect();
    await producer.send({
      topic: f.topic,
      acks: -1,
      messages: Array.from({ length: 30 }, (_, i) => ({ value: `late-${i}`, partition: i % 2 })),
    });
    await producer.disconnect();

    await approveWhileNot(
      async () => stepOf(await current(), 'drain')?.state === 'executing',
      'drain executing',
    );
    await kill(a);
    await rest.setConnectorState(source, 'resume');
    const b = startWorker();
    await approveWhileNot(async () => {
      const run = await current();
      const offsets = stepOf(run, 'offsets');
      if (offsets?.state !== 'executing' || !offsets.planId) return false;
      return (await redis.hlen(`${prefix}:progress:${offsets.planId}`)) >= 10;
    }, 'offsets executing, 10 groups written');
    await kill(b);
    const done = await redis.hlen(`${prefix}:progress:${stepOf(await current(), 'offsets')!.planId}`);
    expect(done, 'killed in the middle of the offsets').toBeLessThan(50);
    startWorker();
    await approveWhileNot(async () => (await current())?.state === 'completed', 'the run completed');

    const run = (await current())!;
    expect(run.measurements.rpoRecords).toBe(0);
    const records = await offsetCommitRecords(base, 'dr', f.groups);
    expect(
      [...records.values()].every((n) => n === 2),
      JSON.stringify([...records]),
    ).toBe(true);
    const trail = await trailOf(redis, prefix).read();
    expect(trail.verified).toBe(true);
    for (const s of run.steps.filter((x) => x.planId)) {
      const closing = trail.entries.filter(
        (e) => e.planId === s.planId && e.action === 'plan.execute' && e.outcome !== 'started',
      );
      expect(
        closing.map((e) => e.outcome.split(':')[0]),
        s.id,
      ).toEqual(['executed']);
      expect(
        trail.entries.filter((e) => e.action === `run.step.${s.id}`),
        s.id,
      ).toHaveLength(1);
    }
    for (const id of ['drain', 'offsets']) {
      const planId = stepOf(run, id)!.planId!;
      expect(
        trail.entries.some((e) => e.planId === planId && e.action === 'plan.resume'),
        id,
      ).toBe(true);
    }
  }, 600_000);
});
