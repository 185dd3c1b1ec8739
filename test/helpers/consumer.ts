import type { Consumer } from 'kafkajs';
import { fixtureKafka } from './sandbox.js';

/**
 * A real consumer in `group` on `bootstrap`: reads `topic` until every partition reached `stopAt[p]` (or the
 * log end when undefined), committing after each record it processed, then leaves. Returns the values read.
 */
export async function consumeUntil(
  bootstrap: string,
  group: string,
  topic: string,
  stopAt: number[],
  timeoutMs = 60_000,
): Promise<string[][]> {
  const consumer: Consumer = fixtureKafka(bootstrap).consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const seen: string[][] = stopAt.map(() => []);
  const done = stopAt.map((n) => n === 0);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (done[partition]) return;
      seen[partition]!.push(String(message.value));
      const next = Number(message.offset) + 1;
      await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
      if (next >= stopAt[partition]!) {
        done[partition] = true;
        consumer.pause([{ topic, partitions: [partition] }]);
        if (done.every(Boolean)) finish();
      }
    },
  });
  const timer = setTimeout(finish, timeoutMs);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return seen;
}
