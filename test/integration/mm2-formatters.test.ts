import { afterAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import type { TailRecord } from '../../src/kafka/types.js';
import { decodeCheckpoint } from '../../src/mm2/checkpoint-codec.js';
import { decodeHeartbeat } from '../../src/mm2/heartbeat-codec.js';
import { decodeOffsetSync } from '../../src/mm2/offset-sync-codec.js';
import { decodeAll } from '../../src/mm2/scan.js';
import { runKafkaJava } from '../helpers/java.js';
import { createTopics, eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();
const dr = new ClusterReader('dr', config.clusters.dr!);
afterAll(() => dr.close());

/** MM2's own formatter over the first `count` records of `topic` on dr, one line per record. */
async function formatterLines(topic: string, formatter: string, count: number): Promise<string[]> {
  const r = await runKafkaJava('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--bootstrap-server',
    config.clusters.dr!.bootstrap[0]!,
    '--topic',
    topic,
    '--from-beginning',
    '--max-messages',
    String(count),
    '--timeout-ms',
    '20000',
    '--formatter',
    `org.apache.kafka.connect.mirror.formatters.${formatter}`,
  ]);
  return r.stdout.split('\n').filter((l) => l.startsWith(formatter.replace('Formatter', '')));
}

/** `Checkpoint{consumerGroupId=g, topicPartition=t-0, ...}` → { consumerGroupId: 'g', ... } */
function fields(line: string): Record<string, string> {
  const body = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
  return Object.fromEntries(
    body.split(', ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

async function readTopic(topic: string): Promise<TailRecord[]> {
  const out: TailRecord[] = [];
  await dr.readAll(topic, (r) => void out.push(r));
  return out;
}

describe("kdr's MM2 decoders agree with MM2's own formatters, field by field", () => {
  it('produces some traffic so that every record type exists', async () => {
    const topic = unique('golden');
    const group = unique('golden-app');
    const kafka = fixtureKafka(config.clusters.primary!.bootstrap[0]!);
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    await eventually('mirrored', 60_000, async () =>
      (await dr.topicExists(`primary.${topic}`)) ? true : undefined,
    );
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '3' }] });
    await admin.disconnect();
    await eventually('a checkpoint for the group', 90_000, async () => {
      const cps = decodeAll(await readTopic('primary.checkpoints.internal'), decodeCheckpoint).records;
      return cps.some((c) => c.group === group) ? true : undefined;
    });
  });

  it('Checkpoint records', async () => {
    const recs = await readTopic('primary.checkpoints.internal');
    const mine = decodeAll(recs, decodeCheckpoint);
    expect(mine.malformed).toEqual([]);
    const theirs = (
      await formatterLines('primary.checkpoints.internal', 'CheckpointFormatter', recs.length)
    ).map(fields);
    expect(mine.records.length).toBeGreaterThan(0);
    expect(theirs.length).toBe(mine.records.length);
    mine.records.forEach((c, i) => {
      expect(theirs[i]).toEqual({
        consumerGroupId: c.group,
        topicPartition: `${c.topic}-${c.partition}`,
        upstreamOffset: c.upstreamOffset.toString(),
        downstreamOffset: c.downstreamOffset.toString(),
        metadata: c.metadata,
      });
    });
  });

  it('OffsetSync records', async () => {
    const recs = await readTopic('mm2-offset-syncs.primary.internal');
    const mine = decodeAll(recs, decodeOffsetSync);
    expect(mine.malformed).toEqual([]);
    const theirs = (
      await formatterLines('mm2-offset-syncs.primary.internal', 'OffsetSyncFormatter', recs.length)
    ).map(fields);
    expect(mine.records.length).toBeGreaterThan(0);
    expect(theirs.length).toBe(mine.records.length);
    mine.records.forEach((s, i) => {
      expect(theirs[i]).toEqual({
        topicPartition: `${s.topic}-${s.partition}`,
        upstreamOffset: s.upstreamOffset.toString(),
        downstreamOffset: s.downstreamOffset.toString(),
      });
    });
  });

  it('Heartbeat records', async () => {
    const recs = (await readTopic('primary.heartbeats')).slice(0, 200);
    const mine = decodeAll(recs, decodeHeartbeat);
    expect(mine.malformed).toEqual([]);
    const theirs = (await formatterLines('primary.heartbeats', 'HeartbeatFormatter', recs.length)).map(
      fields,
    );
    expect(mine.records.length).toBeGreaterThan(0);
    expect(theirs.length).toBe(mine.records.length);
    mine.records.forEach((h, i) => {
      expect(theirs[i]).toEqual({
        sourceClusterAlias: h.sourceClusterAlias,
        targetClusterAlias: h.targetClusterAlias,
        timestamp: String(h.timestamp),
      });
    });
  });
});
