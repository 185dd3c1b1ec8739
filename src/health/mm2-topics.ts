import type { FlowConfig } from '../config/load.js';
import type { ClusterReader } from '../kafka/cluster-reader.js';
import type { TailRecord } from '../kafka/types.js';
import { type Checkpoint, decodeCheckpoint } from '../mm2/checkpoint-codec.js';
import { checkpointsTopic, internalTopicCandidates, offsetSyncsTopic } from '../mm2/naming.js';
import { decodeOffsetSync, type OffsetSync } from '../mm2/offset-sync-codec.js';
import { decodeAll } from '../mm2/scan.js';

export type StampedCheckpoint = Checkpoint & { timestamp: number };

export interface CheckpointScan {
  /** The topic found on the target, or null when neither naming style exists yet. */
  topic: string | null;
  /** Newest checkpoint per `group|targetTopic|partition`: the last in log order wins, as in RemoteClusterUtils. */
  latest: Map<string, StampedCheckpoint>;
  malformed: number;
}

export const checkpointKey = (group: string, topic: string, partition: number) =>
  `${group}|${topic}|${partition}`;

async function firstExisting(reader: ClusterReader, candidates: string[]): Promise<string | null> {
  for (const t of candidates) if (await reader.topicExists(t)) return t;
  return null;
}

async function readAll(reader: ClusterReader, topic: string): Promise<TailRecord[]> {
  const out: TailRecord[] = [];
  await reader.readAll(topic, (r) => void out.push(r));
  return out;
}

/** Scans `<source>.checkpoints.internal` on the target (either internal-separator style). */
export async function scanCheckpoints(target: ClusterReader, flow: FlowConfig): Promise<CheckpointScan> {
  const topic = await firstExisting(
    target,
    internalTopicCandidates(flow.replicationPolicy, (p) => checkpointsTopic(p, flow.source)),
  );
  const latest = new Map<string, StampedCheckpoint>();
  if (!topic) return { topic, latest, malformed: 0 };
  const decoded = decodeAll(await readAll(target, topic), decodeCheckpoint);
  for (const c of decoded.records) latest.set(checkpointKey(c.group, c.topic, c.partition), c);
  return { topic, latest, malformed: decoded.malformed.length };
}

export interface OffsetSyncScan {
  topic: string | null;
  location: 'target' | 'source' | null;
  /** Per `sourceTopic:partition`, the syncs since the last reset, in log order (upstream ascending). */
  syncs: Map<string, OffsetSync[]>;
}

/** Scans the offset-syncs topic, wherever `offset-syncs.topic.location` put it (target first, then source). */
export async function scanOffsetSyncs(
  source: ClusterReader | null,
  target: ClusterReader,
  flow: FlowConfig,
): Promise<OffsetSyncScan> {
  const p = flow.replicationPolicy;
  let location: OffsetSyncScan['location'] = 'target';
  let reader: ClusterReader = target;
  let topic = await firstExisting(
    target,
    internalTopicCandidates(p, (q) => offsetSyncsTopic(q, flow.source)),
  );
  if (!topic && source) {
    location = 'source';
    reader = source;
    topic = await firstExisting(
      source,
      internalTopicCandidates(p, (q) => offsetSyncsTopic(q, flow.target)),
    );
  }
  const syncs = new Map<string, OffsetSync[]>();
  if (!topic) return { topic: null, location: null, syncs };
  for (const s of decodeAll(await readAll(reader, topic), decodeOffsetSync).records) {
    const key = `${s.topic}:${s.partition}`;
    const list = syncs.get(key) ?? [];
    // An upstream offset lower than the latest means the source topic was rewound or recreated: MM2 resets.
    if (list.length > 0 && s.upstreamOffset < list[list.length - 1]!.upstreamOffset) list.length = 0;
    list.push(s);
    syncs.set(key, list);
  }
  return { topic, location, syncs };
}
