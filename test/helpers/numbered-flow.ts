import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { type ExtraFlow, startExtraFlow } from './extra-flow.js';
import { createTopics, eventually, fixtureKafka, sandboxConfig } from './sandbox.js';

export interface NumberedFlow {
  extra: ExtraFlow;
  /** The mirrored topic on the target (`<alias>.<topic>`). */
  targetTopic: string;
  /** Commits the groups on the source: `at(group index, partition)` per partition. */
  commit(at: (g: number, p: number) => number): Promise<void>;
}

/**
 * A topic of numbered records (value `<partition>|<offset>`) mirrored by its own MM2 flow with MM2's default
 * offset.lag.max=100 (sparse offset syncs: MM2's checkpoints make groups re-read up to 100 records). The groups
 * exist (at 0) before the flow starts and the records are written once both connectors run: MM2's checkpoint task
 * loads syncs written before it started pessimistically (only the newest per partition), which would leave groups
 * below it without any checkpoint and the comparison with MM2 empty.
 */
export async function numberedFlow(o: {
  alias: string;
  topic: string;
  /** The flow's topics regex (e.g. with `heartbeats` for the runbook's assess step). */
  topics: string;
  partitions: number;
  records: number;
  groups: string[];
  /** A broker of the test's own as the source (a primary to kill), else the sandbox's primary. */
  sourceBootstrap?: string;
}): Promise<NumberedFlow> {
  const sandbox = sandboxConfig();
  const source = o.sourceBootstrap ?? sandbox.clusters.primary!.bootstrap[0]!;
  const commit = async (at: (g: number, p: number) => number) => {
    const w = new GroupOffsetWriter('primary', { ...sandbox.clusters.primary!, bootstrap: [source] });
    try {
      for (const [i, g] of o.groups.entries())
        await w.commit(
          g,
          Array.from({ length: o.partitions }, (_, partition) => ({
            topic: o.topic,
            partition,
            offset: BigInt(at(i, partition)),
          })),
        );
    } finally {
      await w.close();
    }
  };
  const kafka = fixtureKafka(source);
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await createTopics(admin, { topics: [{ topic: o.topic, numPartitions: o.partitions }] });
    await commit(() => 0);
    const extra = await startExtraFlow(
      o.alias,
      o.topics,
      { type: 'default', separator: '.' },
      { 'offset.lag.max': '100' },
      o.sourceBootstrap,
    );
    const rest = new ConnectRest(sandbox.clusters.dr!.connect!.url, 5000);
    await eventually('both connectors running', 120_000, async () => {
      const states = await Promise.all(
        ['MirrorSourceConnector', 'MirrorCheckpointConnector'].map((c) =>
          rest.connectorStatus(`${o.alias}->dr.${c}`),
        ),
      );
      return states.every((s) => s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING'))
        ? true
        : undefined;
    });
    for (let p = 0; p < o.partitions; p++)
      for (let i = 0; i < o.records; i += 50)
        await producer.send({
          topic: o.topic,
          messages: Array.from({ length: Math.min(50, o.records - i) }, (_, j) => ({
            key: `${p}-${i + j}`,
            value: `${p}|${i + j}`,
            partition: p,
          })),
        });
    const targetTopic = `${o.alias}.${o.topic}`;
    const dr = new ClusterReader('dr', sandbox.clusters.dr!);
    try {
      await eventually('mirrored', 180_000, async () =>
        (await dr.topicExists(targetTopic)) &&
        (await dr.ends(targetTopic)).every((e) => e.high === BigInt(o.records))
          ? true
          : undefined,
      );
    } finally {
      await dr.close();
    }
    return { extra, targetTopic, commit };
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}
