import type { Config, FlowConfig } from '../../src/config/load.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import { scanOffsetSyncs } from '../../src/mm2/topics.js';
import { gatherTranslation } from '../../src/translate/gather.js';
import type { TranslationReport } from '../../src/translate/types.js';
import { createTopics, eventually, fixtureKafka, testLog } from './sandbox.js';

/**
 * A topic on the flow's source, mirrored before any record arrives, then `perPartition` records per partition
 * sent one per request (MM2 writes an offset sync for only some records of a batch).
 */
export async function mirroredTopic(
  config: Config,
  flow: FlowConfig,
  topic: string,
  partitions: number,
  perPartition: number,
  targetTopic: string,
): Promise<void> {
  const kafka = fixtureKafka(config.clusters[flow.source]!.bootstrap[0]!);
  const dr = new ClusterReader(flow.target, config.clusters[flow.target]!);
  const admin = kafka.admin();
  const producer = kafka.producer();
  try {
    await admin.connect();
    await createTopics(admin, { topics: [{ topic, numPartitions: partitions }] });
    await eventually(`${targetTopic} mirrored`, 90_000, async () =>
      (await dr.topicExists(targetTopic)) ? true : undefined,
    );
    await producer.connect();
    for (let i = 0; i < perPartition; i++)
      for (let p = 0; p < partitions; p++) {
        await producer.send({ topic, messages: [{ key: `k${p}-${i}`, value: `${p}:${i}`, partition: p }] });
        await new Promise((r) => setTimeout(r, 60));
      }
    await eventually(`${targetTopic} replicated`, 60_000, async () =>
      (await dr.ends(targetTopic)).every((e) => e.high === BigInt(perPartition)) ? true : undefined,
    );
  } finally {
    await Promise.allSettled([admin.disconnect(), producer.disconnect(), dr.close()]);
  }
}

/** Commits `offsets[p]` for the group on the source (an empty group: kdr's own OffsetCommit writer). */
export async function commitOnSource(
  config: Config,
  flow: FlowConfig,
  group: string,
  topic: string,
  offsets: number[],
): Promise<void> {
  const w = new GroupOffsetWriter(flow.source, config.clusters[flow.source]!);
  try {
    // a broker that has just started may keep its coordinator loading for longer than one commit's deadline on a
    // loaded machine: the fixture waits for it (a retriable refusal) up to a minute, anything else fails at once
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        await w.commit(
          group,
          offsets.map((o, partition) => ({ topic, partition, offset: BigInt(o) })),
        );
        return;
      } catch (err) {
        if (!(err as { retriable?: boolean }).retriable || Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await w.close();
  }
}

export const scanTranslate = (config: Config, flow: FlowConfig, groups: string[]) =>
  gatherTranslation(config, testLog, { flow, groups, all: false, from: 'scan', failback: false });

/** Waits until MM2 checkpointed every group at exactly the committed offsets (basis == committed on every row). */
export async function waitForCheckpoints(
  config: Config,
  flow: FlowConfig,
  groups: string[],
  partitions: number,
): Promise<TranslationReport> {
  return eventually('checkpoints of the committed offsets', 90_000, async () => {
    const r = await scanTranslate(config, flow, groups);
    const ok = r.groups.every(
      (g) => g.rows.filter((x) => x.translated !== null && x.basis === x.fromCommitted).length === partitions,
    );
    return ok ? r : undefined;
  });
}

/** `topic:partition → offset` of the rows that translate. */
export const translatedMap = (r: TranslationReport, group: string) =>
  Object.fromEntries(
    r.groups
      .find((g) => g.group === group)!
      .rows.filter((x) => x.translated !== null)
      .map((x) => [`${x.toTopic}:${x.partition}`, x.translated]),
  );

/**
 * Source offsets MM2 can translate on each partition of `topic`: MM2 writes offset syncs for only some records
 * (a delayed sync is replaced by a newer one), and an offset below a partition's first sync never translates.
 * `at(p, k)` is the k-th sync point (k odd: one past it, between syncs), capped at the end.
 */
export async function translatable(
  config: Config,
  flow: FlowConfig,
  topic: string,
  partitions: number,
  end: number,
) {
  const dr = new ClusterReader(flow.target, config.clusters[flow.target]!);
  try {
    const ups = await eventually(`offset syncs of ${topic}`, 30_000, async () => {
      const { syncs } = await scanOffsetSyncs(null, dr, flow);
      const found = Array.from({ length: partitions }, (_, p) =>
        (syncs.get(`${topic}:${p}`) ?? []).map((s) => Number(s.upstreamOffset)),
      );
      return found.every((u) => u.length > 0) ? found : undefined;
    });
    return (p: number, k: number) => {
      const u = ups[p]!;
      return Math.min(end, u[Math.min(Math.floor(k / 2), u.length - 1)]! + (k % 2));
    };
  } finally {
    await dr.close();
  }
}

/**
 * The usual set-up of a translation test: a mirrored topic with `records` per partition, each group committed at
 * the k-th translatable position of every partition on the source, and MM2's checkpoints of those commits on the
 * target. Returns the position picker and the committed offsets.
 */
export async function checkpointedGroups(
  config: Config,
  flow: FlowConfig,
  topic: string,
  partitions: number,
  records: number,
  groups: string[],
  k: number,
): Promise<{ at: (p: number, k: number) => number; offsets: number[] }> {
  await mirroredTopic(config, flow, topic, partitions, records, `primary.${topic}`);
  const at = await translatable(config, flow, topic, partitions, records);
  const offsets = Array.from({ length: partitions }, (_, p) => at(p, k));
  for (const g of groups) await commitOnSource(config, flow, g, topic, offsets);
  await waitForCheckpoints(config, flow, groups, partitions);
  return { at, offsets };
}
