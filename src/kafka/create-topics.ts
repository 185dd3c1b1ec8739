import type { Admin, ITopicConfig } from 'kafkajs';

/** Errors a broker answers with while a just-created topic is still reaching its metadata cache. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

const typeOf = (err: unknown): string | undefined =>
  (err as { type?: string }).type ??
  (err as { errors?: Array<{ type?: string }> }).errors?.find((e) => e.type)?.type;

/**
 * Creates topics and waits until every partition of every one has a leader. kafkajs's own `waitForLeaders`
 * retries only LEADER_NOT_AVAILABLE, but a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION for a topic the
 * controller created and the broker's metadata has not caught up with yet (seen with 50 topics on a loaded
 * 2-core machine), so the wait is done here: poll the metadata until it is complete. An existing topic is
 * left as it is; returns false when every topic already existed (like kafkajs).
 */
export async function createTopicsReady(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<boolean> {
  if (topics.length === 0) return false;
  const created = await admin.createTopics({ topics, waitForLeaders: false, timeout: timeoutMs });
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
      const leaderless = meta.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (leaderless.length === 0 && meta.length === names.length) return created;
      last = `${leaderless.length} topic(s) without a leader on every partition`;
    } catch (err) {
      if (!NOT_YET.has(typeOf(err) ?? '')) throw err;
      last = typeOf(err)!;
    }
    if (Date.now() > deadline)
      throw new Error(`topics created but not ready after ${timeoutMs} ms (${last}): ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
