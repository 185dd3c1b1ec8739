import { afterAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { decodeCheckpoint } from '../../src/mm2/checkpoint-codec.js';
import { createTopics, eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();
const primary = fixtureKafka(config.clusters.primary!.bootstrap[0]!);
const drReader = new ClusterReader('dr', config.clusters.dr!);

afterAll(async () => {
  await drReader.close();
});

describe('the sandbox replicates for real (MM2 primary -> dr)', () => {
  it('a record produced to orders on primary is read from primary.orders on dr', async () => {
    const key = unique('order');
    const admin = primary.admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic: 'orders' }] }); // false when it exists
    await admin.disconnect();
    const producer = primary.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', messages: [{ key, value: JSON.stringify({ key, amount: 42 }) }] });
    await producer.disconnect();

    const found = await eventually('the record on dr', 60_000, async () => {
      if (!(await drReader.topicExists('primary.orders'))) return undefined;
      const recs = await drReader.tail('primary.orders', 50);
      return recs.find((r) => r.key?.toString() === key);
    });
    expect(JSON.parse(found.value!.toString())).toEqual({ key, amount: 42 });
  });

  it('a group that commits on primary gets a checkpoint record on dr', async () => {
    const topic = unique('payments');
    const group = unique('payments-app');
    const admin = primary.admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const producer = primary.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2 })),
    });
    await producer.disconnect();
    // wait until MM2 mirrors the topic, so that offset syncs exist for what the group commits
    await eventually('the topic mirrored', 60_000, async () =>
      (await drReader.topicExists(`primary.${topic}`)) ? true : undefined,
    );

    const consumer = primary.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await eventually('the group to read all 20 records', 30_000, async () => (seen >= 20 ? true : undefined));
    await consumer.stop();
    await consumer.disconnect();

    const checkpoints = await eventually('checkpoints for the group on dr', 90_000, async () => {
      if (!(await drReader.topicExists('primary.checkpoints.internal'))) return undefined;
      const mine = (await drReader.tail('primary.checkpoints.internal', 2000))
        .map((r) => decodeCheckpoint(r.key, r.value))
        .filter((c) => c?.group === group);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(new Set(checkpoints.map((c) => c!.topic))).toEqual(new Set([`primary.${topic}`]));
    expect(new Set(checkpoints.map((c) => c!.partition))).toEqual(new Set([0, 1]));
    for (const c of checkpoints) expect(c!.upstreamOffset).toBe(10n);
  });
});
