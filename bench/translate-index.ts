/**
 * Offset translation at failover time (issue 4): a checkpoints topic with 100,000 records across 200 groups
 * (100 partitions each, 5 rounds), then one group's translation
 *   (a) from the worker's checkpoint index in Redis,
 *   (b) by a full scan of the checkpoints topic in kdr,
 *   (c) by MM2's RemoteClusterUtils.translateOffsets in a JVM, with and without the JVM start,
 * all in the same run, with ratios. Targets: (a) ≤ 10 ms; (b) at least 5× faster than (c) including JVM start.
 * Run with the sandbox up: npx tsx bench/translate-index.ts [--groups 200] [--partitions 100] [--rounds 5] [--keep]
 */
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/core/logger.js';
import { ClusterReader } from '../src/kafka/cluster-reader.js';
import { scanCheckpoints } from '../src/mm2/topics.js';
import { connectRedis } from '../src/queue/redis-ready.js';
import { CheckpointIndex } from '../src/translate/checkpoint-index.js';
import { syncIndex } from '../src/translate/checkpoint-indexer.js';
import { remoteClusterUtils } from '../test/helpers/java.js';
import { sandboxConfig } from '../test/helpers/sandbox.js';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '200' },
    partitions: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const GROUPS = Number(values.groups);
const PARTS = Number(values.partitions);
const ROUNDS = Number(values.rounds);
const alias = `bench${Date.now().toString(36)}`;
const topic = `${alias}.checkpoints.internal`;
const log = createLogger('silent');
const sandbox = sandboxConfig();
const drBootstrap = sandbox.clusters.dr!.bootstrap[0]!;
const config = parseConfig(
  JSON.stringify({
    clusters: {
      [alias]: { bootstrap: sandbox.clusters.primary!.bootstrap },
      dr: { bootstrap: [drBootstrap], connect: sandbox.clusters.dr!.connect },
    },
    flows: [
      {
        name: 'bench',
        source: alias,
        target: 'dr',
        mm2: { mode: 'connect', connectors: { source: 'none' } },
      },
    ],
    redis: sandbox.redis,
  }),
  process.env,
  'bench config',
);
const flow = config.flows[0]!;

const str = (s: string) => {
  const b = Buffer.from(s);
  const len = Buffer.alloc(2);
  len.writeInt16BE(b.length);
  return Buffer.concat([len, b]);
};
/** MM2's Checkpoint wire format (key: group, topic, partition; value: version 0, upstream, downstream, metadata). */
function checkpointRecord(group: string, t: string, p: number, up: number, down: number) {
  const part = Buffer.alloc(4);
  part.writeInt32BE(p);
  const v = Buffer.alloc(2 + 8 + 8);
  v.writeInt16BE(0, 0);
  v.writeBigInt64BE(BigInt(up), 2);
  v.writeBigInt64BE(BigInt(down), 10);
  return { key: Buffer.concat([str(group), str(t), part]), value: Buffer.concat([v, str('')]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;
const f = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;

async function main() {
  const kafka = new kafkajs.Kafka({
    clientId: 'kdr-bench',
    brokers: [drBootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    waitForLeaders: true,
  });
  const producer = kafka.producer();
  await producer.connect();
  const total = GROUPS * PARTS * ROUNDS;
  let batch: Array<{ key: Buffer; value: Buffer }> = [];
  const t0 = Date.now();
  for (let r = 0; r < ROUNDS; r++)
    for (let g = 0; g < GROUPS; g++)
      for (let p = 0; p < PARTS; p++) {
        batch.push(checkpointRecord(`bench-g${g}`, `${alias}.orders`, p, 1000 * r + p, 1000 * r + p));
        if (batch.length === 2000) {
          await producer.send({ topic, acks: 1, messages: batch });
          batch = [];
        }
      }
  if (batch.length) await producer.send({ topic, acks: 1, messages: batch });
  await producer.disconnect();
  console.log(
    `checkpoints topic ${topic} on dr: ${total} records, ${GROUPS} groups × ${PARTS} partitions × ${ROUNDS} rounds (written in ${Date.now() - t0} ms)`,
  );

  const group = `bench-g${Math.floor(GROUPS / 2)}`;
  const redis = await connectRedis(config.redis.url!);
  const index = new CheckpointIndex(redis, `kdr-bench-${alias}`);
  const dr = new ClusterReader('dr', config.clusters.dr!, log);
  try {
    let t = performance.now();
    const meta = await syncIndex(index, dr, flow);
    console.log(
      `index built from the topic in ${f(performance.now() - t)} (${meta.records} records read); later passes read only new records`,
    );

    const idx: number[] = [];
    let fromIndex = 0;
    for (let i = 0; i < 200; i++) {
      t = performance.now();
      fromIndex = (await index.group(flow.name, group)).length;
      idx.push(performance.now() - t);
    }
    const scans: number[] = [];
    let fromScan = 0;
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      const s = await scanCheckpoints(dr, flow);
      fromScan = [...s.latest.values()].filter((c) => c.group === group).length;
      scans.push(performance.now() - t);
    }
    const walls: number[] = [];
    const inJvm: number[] = [];
    const warm: number[] = [];
    let fromRcu = 0;
    for (let i = 0; i < 3; i++) {
      // three calls in one JVM: the first pays class loading, the last is warm
      const r = await remoteClusterUtils(drBootstrap, alias, [group, group, group]);
      walls.push(r.wallMs);
      inJvm.push(r.results[0]!.ms);
      warm.push(r.results[2]!.ms);
      fromRcu = r.results[0]!.offsets.length;
    }
    if (!(fromIndex === PARTS && fromScan === PARTS && fromRcu === PARTS))
      throw new Error(
        `partition counts differ: index ${fromIndex}, scan ${fromScan}, RemoteClusterUtils ${fromRcu}`,
      );
    const a = median(idx);
    const b = median(scans);
    const c = median(walls);
    console.log(
      `translation of ${group} (${PARTS} partitions), same run; all three found ${PARTS} partitions:`,
    );
    console.log(
      `  (a) kdr, checkpoint index (Redis HGETALL)     median ${f(a)}  p99 ${f(p99(idx))}  (200 runs)  target ≤ 10 ms: ${a <= 10 ? 'met' : 'NOT met'}`,
    );
    console.log(`  (b) kdr, full scan of the topic (in process)  median ${f(b)}  (5 runs)`);
    console.log(
      `  (c) RemoteClusterUtils.translateOffsets, JVM  median ${f(c)} with JVM start; in JVM ${f(median(inJvm))} first call, ${f(median(warm))} warm  (3 JVMs)`,
    );
    console.log(
      `  ratios: (c incl. JVM)/(b) = ${(c / b).toFixed(1)}x (target ≥ 5x: ${c / b >= 5 ? 'met' : 'NOT met'}); (c in JVM, first)/(b) = ${(median(inJvm) / b).toFixed(1)}x; (c warm)/(b) = ${(median(warm) / b).toFixed(1)}x; (b)/(a) = ${(b / a).toFixed(0)}x`,
    );
  } finally {
    if (!values.keep) {
      await index.reset(flow.name);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
    redis.disconnect();
    await dr.close();
    await admin.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
