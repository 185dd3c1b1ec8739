import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { HealthStore } from '../../src/health/health-store.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { readHeartbeatAge } from '../../src/mm2/heartbeat-age.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { reversedFlow } from '../../src/runbook/failback/reverse-flow.js';
import { gatherTranslation } from '../../src/translate/gather.js';
import { approvalConfig } from '../helpers/approvals.js';
import { runKdr } from '../helpers/cli.js';
import { failoverFlow, liveConsumer, runMessageText, startTraffic } from '../helpers/failover-fixture.js';
import { runsOf, stepsText } from '../helpers/runs.js';
import {
  createTopics,
  eventually,
  fixtureKafka,
  sandboxConfig,
  testLog,
  unique,
} from '../helpers/sandbox.js';
import { startSlackRig } from '../helpers/slack.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fb-'));
const base = sandboxConfig();
const PRIMARY = base.clusters.primary!.bootstrap[0]!;
const DR = base.clusters.dr!.bootstrap[0]!;
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function values(bootstrap: string, name: string, topic: string): Promise<string[]> {
  const r = new ClusterReader(name, { ...base.clusters.dr!, bootstrap: [bootstrap] });
  const out: string[] = [];
  try {
    if (await r.topicExists(topic)) await r.readAll(topic, (rec) => void out.push(String(rec.value)));
  } finally {
    await r.close();
  }
  return out;
}

async function topicsOf(bootstrap: string): Promise<string[]> {
  const admin = fixtureKafka(bootstrap).admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

describe('failback on the real sandbox, through Slack', () => {
  it('round trip: planned failover, new records on DR, failback: everything back on the primary, nothing skipped, forward replication restored', async () => {
    const f = await failoverFlow(dir, 2, cleanups);
    const live = `${f.alias}-g-live`;
    const prefix = unique('kdr-fb');
    const config = approvalConfig(600_000, loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: prefix }));
    const rig = await startSlackRig({ config, prefix });
    cleanups.push(() => rig.stop());
    const reverseNames = [`dr->${f.alias}.MirrorSourceConnector`, `dr->${f.alias}.MirrorCheckpointConnector`];
    cleanups.push(async () => {
      for (const n of reverseNames) await rest.deleteConnector(n);
    });
    const { complete } = runsOf(rig, f.file, prefix);

    // 1. planned failover with live traffic; the live group moves to DR, where it reads the replicated topic and
    //    the local one the producers write after the cutover
    const traffic = startTraffic(PRIMARY, f.topic, f.stopFile, 2);
    const onPrimary = await liveConsumer(PRIMARY, live, f.topic);
    cleanups.push(() => onPrimary.stop());
    await eventually('live traffic and consumption', 30_000, async () =>
      traffic.acked.length > 100 && onPrimary.read.length > 50 ? true : undefined,
    );
    const drAdmin = fixtureKafka(DR).admin();
    await drAdmin.connect();
    await createTopics(drAdmin, { topics: [{ topic: f.topic, numPartitions: 2 }] });
    await drAdmin.disconnect();
    let onDr: Awaited<ReturnType<typeof liveConsumer>> | undefined;
    const failover = await complete(`failover ${f.flow}`, async (label) => {
      if (label.startsWith('Confirm')) {
        await onPrimary.stop();
        onDr = await liveConsumer(DR, live, [`${f.alias}.${f.topic}`, f.topic]);
        cleanups.push(() => onDr!.stop());
      }
    });
    await traffic.done;

    // 2. the producers write on DR (its local topic), the live group reads some of it there
    const producer = fixtureKafka(DR).producer();
    await producer.connect();
    const written: string[] = [];
    for (let i = 0; i < 300; i++) written.push(`w${i}`);
    for (let i = 0; i < written.length; i += 20)
      await producer.send({
        topic: f.topic,
        acks: -1,
        messages: written.slice(i, i + 20).map((v, j) => ({ value: v, partition: (i + j) % 2 })),
      });
    await producer.disconnect();
    await eventually('the live group read what was written on DR', 60_000, async () =>
      written.every((v) => onDr!.read.includes(v)) ? true : undefined,
    );

    // 3. failback
    let onBack: Awaited<ReturnType<typeof liveConsumer>> | undefined;
    const reversed = reversedFlow(config, config.flows[0]!);
    const back = await complete(`failback ${f.flow}`, async (label) => {
      if (label === 'Approve fence')
        // the reverse flow's checkpoint of the live group (its reads of DR's own topic) before MM2 is stopped
        await eventually('the reverse checkpoint of the live group', 60_000, async () => {
          const t = await gatherTranslation(config, testLog, {
            flow: reversed,
            groups: [live],
            all: false,
            from: 'scan',
            failback: false,
          });
          return t.groups[0]?.rows.some((r) => r.translated !== null) ? true : undefined;
        });
      if (label.startsWith('Confirm')) {
        await onDr!.stop();
        onBack = await liveConsumer(PRIMARY, live, [f.topic, `dr.${f.topic}`]);
        cleanups.push(() => onBack!.stop());
      }
    });
    expect(back.kind).toBe('failback');
    expect(back.options.failoverRun).toBe(failover.run);

    // every record written on DR reached the primary, once: no loop, no second copy
    const copied = await values(PRIMARY, f.alias, `dr.${f.topic}`);
    expect([...copied].sort()).toEqual([...written].sort());
    const loops = [...(await topicsOf(PRIMARY)), ...(await topicsOf(DR))].filter(
      (t) => t.startsWith(`dr.${f.alias}.`) || t.startsWith(`${f.alias}.dr.`) || t.startsWith('dr.dr.'),
    );
    expect(loops).toEqual([]);

    // the live group resumes on the primary with nothing skipped; it re-reads no more than the plan predicted
    const all = [...traffic.acked, ...written];
    await eventually('the live group caught up on the primary', 60_000, async () => {
      const seen = new Set([...onPrimary.read, ...onDr!.read, ...onBack!.read]);
      return all.every((v) => seen.has(v)) ? true : undefined;
    });
    const before = new Set([...onPrimary.read, ...onDr!.read]);
    const dupes = onBack!.read.filter((v) => before.has(v)).length;
    expect(back.measurements.rereadsPredicted, stepsText(back)).toBeGreaterThanOrEqual(0);
    expect(dupes).toBeLessThanOrEqual(back.measurements.rereadsPredicted);
    process.stderr.write(
      `failback: ${copied.length} record(s) copied back, re-reads ${dupes} observed by the consumer, ${back.measurements.rereadsPredicted} predicted; RTO ${back.measurements.rtoMs} ms\n`,
    );

    // forward replication is back: connectors running, a fresh heartbeat on DR, reverse connectors gone
    for (const n of [`${f.alias}->dr.MirrorSourceConnector`, `${f.alias}->dr.MirrorCheckpointConnector`])
      expect((await rest.connectorStatus(n)).state, n).toBe('RUNNING');
    for (const n of reverseNames) expect((await rest.connectorStatus(n)).state, n).toBe('MISSING');
    const hb = await readHeartbeatAge(config.flows[0]!, config.clusters.dr!, () => Date.now());
    expect(hb.ageMs).not.toBeNull();
    expect(hb.ageMs!).toBeLessThan(30_000);
    // the flow's alerts are no longer muted, and status says ok
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    expect(await new HealthStore(redis, prefix).muted(f.flow)).toBeUndefined();
    const status = await runKdr(['status', '--json', '--config', f.file], { KDR_QUEUE_PREFIX: prefix });
    const flowStatus = JSON.parse(status.stdout).flows.find((x: { name: string }) => x.name === f.flow);
    expect(flowStatus.verdict, status.stdout).toBe('ok');
    expect(runMessageText(rig, 'C0FOINC')).toContain('failback');
  }, 900_000);
});
