import { afterAll, describe, expect, it } from 'vitest';
import { ClusterAdmin } from '../../src/kafka/cluster-admin.js';
import { sandboxConfig, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();
const admin = new ClusterAdmin('primary', config.clusters.primary!);
afterAll(() => admin.close());

const own = async (topic: string) =>
  Object.fromEntries(
    Object.entries((await admin.topicConfigs([topic])).get(topic) ?? {})
      .filter(([, v]) => v.source === 'topic')
      .map(([k, v]) => [k, v.value]),
  );

describe('topic configs are changed one by one (IncrementalAlterConfigs, real broker)', () => {
  it('setting one config leaves the overrides set meanwhile by someone else as they are', async () => {
    const topic = unique('kdr-cfg');
    await admin.createTopics([
      { name: topic, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '100000' } },
    ]);
    // someone else sets another override after kdr read the topic (a whole-set AlterConfigs would drop it)
    await admin.setTopicConfigs(topic, { 'segment.ms': '600000' });
    await admin.setTopicConfigs(topic, { 'max.message.bytes': '2000000', 'retention.ms': '200000' });
    expect(await own(topic)).toEqual({
      'max.message.bytes': '2000000',
      'retention.ms': '200000',
      'segment.ms': '600000',
    });
  });

  it('a config the broker rejects is reported with its name, nothing else changed', async () => {
    const topic = unique('kdr-cfg');
    await admin.createTopics([
      { name: topic, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '100000' } },
    ]);
    await expect(admin.setTopicConfigs(topic, { 'retention.ms': 'soon' })).rejects.toThrow(
      /altering configs of/,
    );
    expect(await own(topic)).toEqual({ 'retention.ms': '100000' });
  });
});
