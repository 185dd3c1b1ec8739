import type { Config, FlowConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import { newestCheckpoints } from '../mm2/checkpoint-reader.js';
import { checkpointsTopic, internalTopicCandidates } from '../mm2/naming.js';
import type { CheckpointIndex, IndexMeta } from './checkpoint-index.js';

/** Finds the flow's checkpoints topic on the target (either internal-separator style), or null. */
export async function findCheckpointsTopic(target: ClusterReader, flow: FlowConfig): Promise<string | null> {
  for (const t of internalTopicCandidates(flow.replicationPolicy, (p) => checkpointsTopic(p, flow.source)))
    if (await target.topicExists(t)) return t;
  return null;
}

/**
 * One pass: reads the checkpoints topic from the stored position to the end seen now and applies it. A stored
 * position past the end means the topic was recreated: the index is rebuilt from the start.
 */
export async function syncIndex(
  index: CheckpointIndex,
  target: ClusterReader,
  flow: FlowConfig,
  now: () => number = Date.now,
): Promise<IndexMeta> {
  const started = now();
  const topic = (await findCheckpointsTopic(target, flow)) ?? '';
  let meta = await index.meta(flow.name);
  if (meta && meta.topic !== topic) {
    await index.reset(flow.name);
    meta = undefined;
  }
  const cur: IndexMeta = meta ?? { topic, next: {}, syncedAt: 0, records: 0 };
  if (topic) {
    const ends = await target.ends(topic);
    if (ends.some((e) => cur.next[e.partition] !== undefined && BigInt(cur.next[e.partition]!) > e.high)) {
      await index.reset(flow.name);
      return syncIndex(index, target, flow, now);
    }
    for (const e of ends) {
      const stored = cur.next[e.partition];
      const from = stored === undefined || BigInt(stored) < e.low ? e.low : BigInt(stored);
      if (from >= e.high) continue;
      const { latest, read } = await newestCheckpoints(target, topic, e.partition, from, e.high);
      cur.next[e.partition] = e.high.toString();
      cur.records += read;
      await index.apply(flow.name, latest, cur);
    }
  }
  // Synced as of the moment the pass started: nothing older than that is missing.
  cur.syncedAt = started;
  await index.apply(flow.name, [], cur);
  return cur;
}

export interface CheckpointIndexer {
  close(): Promise<void>;
}

/** Keeps every flow's index current: a pass per flow every `intervalMs`, errors logged and retried. */
export function startCheckpointIndexer(
  config: Config,
  index: CheckpointIndex,
  log: Logger,
  intervalMs = 1_000,
): CheckpointIndexer {
  const readers = new Map(
    config.flows.map((f) => [f.name, new ClusterReader(f.target, config.clusters[f.target]!, log)]),
  );
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const failing = new Set<string>();
  const pass = async () => {
    for (const f of config.flows) {
      if (stopped) return;
      try {
        await syncIndex(index, readers.get(f.name)!, f);
        if (failing.delete(f.name)) log.info({ flow: f.name }, 'checkpoint index syncing again');
      } catch (err) {
        if (!failing.has(f.name))
          log.warn({ flow: f.name, err: (err as Error).message }, 'checkpoint index pass failed');
        failing.add(f.name);
      }
    }
  };
  const loop = () => {
    running = pass().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();
  return {
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
      await Promise.all([...readers.values()].map((r) => r.close()));
    },
  };
}
