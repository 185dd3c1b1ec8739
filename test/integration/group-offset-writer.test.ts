import { afterAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import { createTopics, eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();
const writer = new GroupOffsetWriter('primary', config.clusters.primary!);
const reader = new ClusterReader('primary', config.clusters.primary!);
const kafka = fixtureKafka(config.clusters.primary!.bootstrap[0]!);
afterAll(async () => {
  await writer.close();
  await reader.close();
});

describe('GroupOffsetWriter against a real broker', () => {
  it('commits offsets for a group with no members, in one request', async () => {
    const topic = unique('gow');
    const group = unique('gow-app');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic, numPartitions: 3 }] });
    await admin.disconnect();
    await writer.commit(
      group,
      [0, 1, 2].map((partition) => ({ topic, partition, offset: BigInt(partition * 10) })),
    );
    expect((await reader.groupOffsets(group)).sort((a, b) => a.partition - b.partition)).toEqual([
      { topic, partition: 0, offset: 0n },
      { topic, partition: 1, offset: 10n },
      { topic, partition: 2, offset: 20n },
    ]);
  });

  it('is refused for a group with active members, and changes nothing', async () => {
    const topic = unique('gow-active');
    const group = unique('gow-active-app');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic }] });
    await admin.disconnect();
    await writer.commit(group, [{ topic, partition: 0, offset: 0n }]);
    const consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic });
    await consumer.run({ eachMessage: async () => undefined });
    try {
      await eventually('the group to be Stable', 30_000, async () =>
        (await reader.describeGroups([group]))[0]?.state === 'Stable' ? true : undefined,
      );
      await expect(writer.commit(group, [{ topic, partition: 0, offset: 5n }])).rejects.toMatchObject({
        code: 'KDR_GROUP_ACTIVE',
        hint: expect.stringContaining('stop its consumers'),
      });
      expect(await reader.groupOffsets(group)).toEqual([{ topic, partition: 0, offset: 0n }]);
    } finally {
      await consumer.disconnect();
    }
  });
});
