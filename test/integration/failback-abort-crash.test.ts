import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthStore } from '../../src/health/health-store.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { trailOf } from '../helpers/audit.js';
import { failedOverRig, writeOrphans } from '../helpers/failback-fixture.js';
import { abortThroughSlack, approver } from '../helpers/failover-fixture.js';
import { stepsText } from '../helpers/runs.js';
import { createTopics, eventually, fixtureKafka, sandboxConfig } from '../helpers/sandbox.js';
import { spawnKdrWorker } from '../helpers/slack.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fbx-'));
const base = sandboxConfig();
const PRIMARY = base.clusters.primary!.bootstrap[0]!;
const DR = base.clusters.dr!.bootstrap[0]!;
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** A failed-over flow of the test's own: planned failover completed, then `n` records written on DR's own topic. */
async function failedOver(opts: { failbackSettle?: string } = {}) {
  const { f, prefix, rig, runs, failover, reverse } = await failedOverRig(dir, cleanups, opts);
  const kafka = fixtureKafka(DR);
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, { topics: [{ topic: f.topic, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: f.topic,
    acks: -1,
    messages: Array.from({ length: 100 }, (_, i) => ({ value: `w${i}`, partition: i % 2 })),
  });
  await producer.disconnect();
  const forward = [`${f.alias}->dr.MirrorSourceConnector`, `${f.alias}->dr.MirrorCheckpointConnector`];
  const states = async (names: string[]) =>
    Promise.all(names.map(async (n) => (await rest.connectorStatus(n)).state));
  return { f, prefix, rig, runs, failover, reverse, forward, states };
}

const endsOf = async (bootstrap: string, topic: string) => {
  const r = new ClusterReader('x', { ...base.clusters.primary!, bootstrap: [bootstrap] });
  try {
    return (await r.ends(topic)).map((e) => Number(e.high));
  } finally {
    await r.close();
  }
};

describe('failback: orphaned writes, abort and a crashed worker', () => {
  it('orphaned writes are counted and refused until kept; abort after the reverse flow was created puts both clusters back', async () => {
    const { f, prefix, rig, runs, failover, reverse, forward, states } = await failedOver();
    // 7 records reach the old primary after the failover's freeze (a producer nobody stopped)
    await writeOrphans(PRIMARY, f.topic);
    const primaryEnds = await endsOf(PRIMARY, f.topic);

    const refused = await runs.drive(await runs.open(`failback ${f.flow}`), undefined, (r) =>
      r.steps.some((s) => s.id === 'assess' && s.state === 'failed'),
    );
    const assess = refused.steps.find((s: { id: string }) => s.id === 'assess');
    expect(assess.result).toContain('7 record(s) on 2 partition(s) were written to');
    expect(assess.result).toContain(`kdr failback ${f.flow} --orphans keep`);
    await abortThroughSlack(rig, refused.run);

    // kept: assess passes and says so; the reverse flow is created; then abort
    const id = await runs.open(`failback ${f.flow} --orphans keep`);
    const mid = await runs.drive(id, undefined, (r) =>
      r.steps.some((s) => s.id === 'resync' && ['executing', 'done'].includes(s.state)),
    );
    expect(mid.steps.find((s: { id: string }) => s.id === 'assess').result).toContain(
      '7 orphaned write(s) (kept)',
    );
    expect(await states(reverse)).toEqual(['RUNNING', 'RUNNING']);
    await abortThroughSlack(rig, id);
    const aborted = await runs.show(id);
    expect(aborted.state, stepsText(aborted)).toBe('aborted');
    expect(aborted.steps.find((s: { id: string }) => s.id === 'reverse').state).toBe('compensated');
    // as before the failback: reverse connectors gone, forward ones still stopped, the orphans still on primary,
    // the flow still failed over (alerts muted by the failover), the pair free for the next attempt
    expect(await states(reverse)).toEqual(['MISSING', 'MISSING']);
    expect(await states(forward)).toEqual(['STOPPED', 'STOPPED']);
    expect(await endsOf(PRIMARY, f.topic)).toEqual(primaryEnds);
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    expect((await new HealthStore(redis, prefix).muted(f.flow))?.run).toBe(failover.run);
    const again = await runs.open(`failback ${f.flow} --orphans keep`);
    await eventually('a new failback opens', 30_000, async () =>
      (await runs.show(again)).steps.find((s: { id: string }) => s.id === 'assess').state === 'done'
        ? true
        : undefined,
    );
    await abortThroughSlack(rig, again);
  }, 900_000);

  it('a worker SIGKILLed during resync: another finishes the failback, each step executed once', async () => {
    const { f, prefix, rig, runs, reverse, forward, states } = await failedOver({ failbackSettle: '20s' });
    await rig.runtime.execWorker!.close(); // from here steps execute in `kdr worker` processes only
    const startWorker = () => spawnKdrWorker(rig, f.file, cleanups);
    const a = startWorker();
    const id = await runs.open(`failback ${f.flow}`);
    await runs.drive(id, undefined, (r) => r.steps.some((s) => s.id === 'resync' && s.state === 'executing'));
    a.kill('SIGKILL');
    await new Promise((r) =>
      a.exitCode === null && a.signalCode === null ? a.on('close', r) : r(undefined),
    );
    startWorker();
    const approve = approver(rig, 'C0FOINC', 'U0BOB');
    const done = await eventually('the failback completed', 300_000, async () => {
      const run = await runs.show(id);
      if (['completed', 'failed', 'aborted'].includes(run.state)) return run;
      await approve.tick();
      return undefined;
    });
    expect(done.state, stepsText(done)).toBe('completed');
    expect(await states(forward)).toEqual(['RUNNING', 'RUNNING']);
    expect(await states(reverse)).toEqual(['MISSING', 'MISSING']);
    const copied = await endsOf(PRIMARY, `dr.${f.topic}`);
    expect(
      copied.reduce((n, x) => n + x, 0),
      'each record copied back once',
    ).toBe(100);

    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const trail = await trailOf(redis, prefix).read();
    expect(trail.verified).toBe(true);
    for (const s of done.steps.filter((x: { planId?: string }) => x.planId)) {
      const closing = trail.entries.filter(
        (e) => e.planId === s.planId && e.action === 'plan.execute' && e.outcome !== 'started',
      );
      expect(
        closing.map((e) => e.outcome.split(':')[0]),
        s.id,
      ).toEqual(['executed']);
    }
    const resync = done.steps.find((s: { id: string }) => s.id === 'resync');
    expect(trail.entries.some((e) => e.planId === resync.planId && e.action === 'plan.resume')).toBe(true);
  }, 900_000);
});
