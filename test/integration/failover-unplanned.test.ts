import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PlanStore } from '../../src/approval/plan-store.js';
import { loadConfig } from '../../src/config/load.js';
import { HealthStore } from '../../src/health/health-store.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { RunStore } from '../../src/runbook/run-store.js';
import { approvalConfig } from '../helpers/approvals.js';
import { approveAll, failoverFlow, runMessageText, slash } from '../helpers/failover-fixture.js';
import { startLoneBroker } from '../helpers/lone-broker.js';
import { eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';
import { startSlackRig } from '../helpers/slack.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fu-'));
const base = sandboxConfig();
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const sum = (ends: Record<string, number>, prefix: string) =>
  Object.entries(ends)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((n, [, v]) => n + v, 0);

describe('unplanned failover: the primary is killed (a broker of its own, not the shared sandbox)', () => {
  it("SIGKILL while MM2 is behind: assess says so, the run completes, the loss figure bounds what the producer's acks show", async () => {
    const lone = await startLoneBroker('lost-primary');
    cleanups.push(() => lone.remove());
    const f = await failoverFlow(dir, 5, cleanups, { sourceBootstrap: lone.bootstrap, lagEvery: '1s' });
    const prefix = unique('kdr-fu');
    const config = approvalConfig(600_000, loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: prefix }));
    const rig = await startSlackRig({ config, prefix, withHealth: true });
    cleanups.push(() => rig.stop());
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const seen = new HealthStore(redis, prefix);

    // MM2 falls behind: its source connector paused while the producer writes K acknowledged records
    const source = `${f.alias}->dr.MirrorSourceConnector`;
    await rest.setConnectorState(source, 'pause');
    await eventually('source connector and its tasks paused', 30_000, async () => {
      const st = await rest.connectorStatus(source);
      return st.state === 'PAUSED' && st.tasks.length > 0 && st.tasks.every((t) => t.state === 'PAUSED')
        ? true
        : undefined;
    });
    const before = await eventually('the health check saw the source', 60_000, async () => {
      const s = await seen.seenEnds(f.flow);
      return s ? sum(s.ends, `${f.topic}:`) : undefined;
    });
    const producer = fixtureKafka(lone.bootstrap).producer();
    await producer.connect();
    const K = 40;
    const J = 10;
    await producer.send({
      topic: f.topic,
      acks: -1,
      messages: Array.from({ length: K }, (_, i) => ({ value: `k-${i}`, partition: i % 2 })),
    });
    await eventually('the health check saw the K records', 60_000, async () => {
      const s = await seen.seenEnds(f.flow);
      return s && sum(s.ends, `${f.topic}:`) === before + K ? true : undefined;
    });
    // J more, acknowledged, then the primary dies at once: the last sight may or may not include them
    await producer.send({
      topic: f.topic,
      acks: -1,
      messages: Array.from({ length: J }, (_, i) => ({ value: `j-${i}`, partition: i % 2 })),
    });
    await lone.kill();
    await producer.disconnect().catch(() => undefined);

    await slash(rig, `failover ${f.flow} --unplanned`, 'U0ALICE', 'C0FOOPS');
    const runs = new RunStore(redis, prefix, join(dir, 'runs'));
    const current = async () => (await runs.list(1))[0];
    await approveAll(rig, 'C0FOINC', 'U0BOB', async () =>
      ['completed', 'failed', 'aborted'].includes((await current())?.state ?? ''),
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${runMessageText(rig, 'C0FOINC')}`);
    });
    const run = (await current())!;
    expect(run.state, runMessageText(rig, 'C0FOINC')).toBe('completed');
    const step = (id: string) => run.steps.find((s) => s.id === id)!;
    expect(step('assess').result).toContain(`${f.alias} does not answer`);
    expect(step('freeze').state).toBe('skipped');

    // the truth: what the producer had acknowledged and DR does not hold
    const dr = new ClusterReader('dr', base.clusters.dr!);
    const onDr = (await dr.ends(`${f.alias}.${f.topic}`)).reduce((n, e) => n + Number(e.high), 0);
    await dr.close();
    const acked = before + K + J;
    const lost = acked - onDr;
    const replicatedBefore = (await rest.sourceOffsets(source)).size;
    expect(replicatedBefore, 'MM2 had stored positions for the topic').toBeGreaterThan(0);
    expect(lost).toBeGreaterThanOrEqual(K + J); // MM2 was paused: nothing of K or J reached DR
    const figure = run.measurements.rpoRecords!;
    expect(figure, 'kdr counts at least what it saw').toBeGreaterThanOrEqual(K);
    expect(figure, 'and never more than was lost: a lower bound').toBeLessThanOrEqual(lost);
    expect(step('drain').result).toContain(`at least ${figure} record(s)`);
    // shown before approval: the fence plan the approver clicked carried it
    const fencePlan = await new PlanStore(redis, prefix).get(step('fence').planId!);
    expect(fencePlan!.text).toContain(`unplanned: at least ${figure} record(s)`);
  }, 600_000);
});
