import type { FlowConfig } from '../config/load.js';
import type { ClusterReader } from '../kafka/cluster-reader.js';
import type { TailRecord } from '../kafka/types.js';
import type { StampedCheckpoint } from './checkpoint-codec.js';
import { newestCheckpoints } from './checkpoint-reader.js';
import { checkpointsTopic, internalTopicCandidates, offsetSyncsTopic } from './naming.js';
import { decodeOffsetSync, type OffsetSync } from './offset-sync-codec.js';

export type { StampedCheckpoint } from './checkpoint-codec.js';

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

/**
 * Decodes while reading: no raw record is kept, so memory follows the decoded state, not the topic's size.
 * A record the codec rejects is counted as malformed and skipped (as MM2's own readers skip it).
 */
async function scan<T extends object>(
  reader: ClusterReader,
  topic: string,
  decode: (key: Buffer | null, value: Buffer | null) => T | null,
  onRecord: (rec: T & { timestamp: number }) => void,
): Promise<number> {
  let malformed = 0;
  await reader.readAll(topic, (r: TailRecord) => {
    let d: T | null;
    try {
      d = decode(r.key, r.value);
    } catch {
      malformed++;
      return;
    }
    if (d !== null) onRecord(Object.assign(d, { timestamp: r.timestamp }));
  });
  return malformed;
}

/** Scans `<source>.checkpoints.internal` on the target (either internal-separator style). */
export async function scanCheckpoints(target: ClusterReader, flow: FlowConfig): Promise<CheckpointScan> {
  const topic = await firstExisting(
    target,
    internalTopicCandidates(flow.replicationPolicy, (p) => checkpointsTopic(p, flow.source)),
  );
  const latest = new Map<string, StampedCheckpoint>();
  if (!topic) return { topic, latest, malformed: 0 };
  let malformed = 0;
  for (const end of await target.ends(topic)) {
    const part = await newestCheckpoints(target, topic, end.partition, end.low, end.high);
    malformed += part.malformed;
    for (const c of part.latest) latest.set(checkpointKey(c.group, c.topic, c.partition), c);
  }
  return { topic, latest, malformed };
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
  await scan(reader, topic, decodeOffsetSync, (s) => {
    const key = `${s.topic}:${s.partition}`;
    const list = syncs.get(key) ?? [];
    // An upstream offset lower than the latest means the source topic was rewound or recreated: MM2 resets.
    if (list.length > 0 && s.upstreamOffset < list[list.length - 1]!.upstreamOffset) list.length = 0;
    list.push({
      topic: s.topic,
      partition: s.partition,
      upstreamOffset: s.upstreamOffset,
      downstreamOffset: s.downstreamOffset,
    });
    syncs.set(key, list);
  });
  return { topic, location, syncs };
}
