import { afterAll } from 'vitest';
import { PlanStore } from '../../src/approval/plan-store.js';
import { KafkaGroupOffsets } from '../../src/kafka/group-offsets.js';
import { ResourceLocks } from '../../src/locks/resource-lock.js';
import { ProgressStore } from '../../src/pipeline/progress-store.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import {
  lockContract,
  offsetsContract,
  planStoreContract,
  progressContract,
} from '../contract/ports.contract.js';
import { createTopics, fixtureKafka, sandboxConfig, testLog, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();
const redis = await connectRedis(config.redis.url!);
afterAll(() => redis.disconnect());

planStoreContract('Redis', async () => new PlanStore(redis, unique('kdr-pc')));
lockContract('Redis', async () => new ResourceLocks(redis, unique('kdr-pc')));
progressContract('Redis', async () => new ProgressStore(redis, unique('kdr-pc')));
offsetsContract('Kafka (dr)', async () => {
  const topic = unique('pc');
  const admin = fixtureKafka(config.clusters.dr!.bootstrap[0]!).admin();
  await admin.connect();
  await createTopics(admin, { topics: [{ topic, numPartitions: 2 }] });
  return {
    port: new KafkaGroupOffsets(config, testLog),
    cluster: 'dr',
    topic,
    close: async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
});
