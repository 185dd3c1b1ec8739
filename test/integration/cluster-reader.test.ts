import { afterAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { createTopics, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();

describe('ClusterReader (group-free reads through kafkajs internals) against a real broker', () => {
  const reader = new ClusterReader('primary', config.clusters.primary!);
  afterAll(() => reader.close());

  it('returns exactly the last N records of each partition, with offsets, keys, values and timestamps', async () => {
    const topic = unique('reader');
    const kafka = fixtureKafka(config.clusters.primary!.bootstrap[0]!);
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const before = Date.now();
    // several batches, so that the tail starts inside a batch
    for (let b = 0; b < 5; b++) {
      await producer.send({
        topic,
        messages: Array.from({ length: 6 }, (_, i) => ({
          key: `p0-${b * 6 + i}`,
          value: String(b * 6 + i),
          partition: 0,
        })),
      });
    }
    await producer.send({ topic, messages: [{ key: 'p1-0', value: 'only', partition: 1 }] });
    await producer.disconnect();

    const recs = await reader.tail(topic, 4);
    const p0 = recs.filter((r) => r.partition === 0);
    expect(p0.map((r) => r.offset)).toEqual([26n, 27n, 28n, 29n]);
    expect(p0.map((r) => r.key?.toString())).toEqual(['p0-26', 'p0-27', 'p0-28', 'p0-29']);
    expect(recs.filter((r) => r.partition === 1).map((r) => r.value?.toString())).toEqual(['only']);
    for (const r of recs) expect(r.timestamp).toBeGreaterThanOrEqual(before - 5000);
    expect((await reader.ends(topic)).map((e) => e.high)).toEqual([30n, 1n]);
  });

  it('returns nothing for an empty topic and says when a topic does not exist', async () => {
    const topic = unique('empty');
    const admin = fixtureKafka(config.clusters.primary!.bootstrap[0]!).admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic }] });
    await admin.disconnect();
    expect(await reader.tail(topic, 10)).toEqual([]);
    expect(await reader.topicExists(unique('absent'))).toBe(false);
  });
});
