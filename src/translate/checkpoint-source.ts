import type { FlowConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { ClusterReader } from '../kafka/cluster-reader.js';
import { type StampedCheckpoint, scanCheckpoints } from '../mm2/topics.js';
import type { CheckpointIndex } from './checkpoint-index.js';
import type { CheckpointOrigin } from './types.js';

export type CheckpointFrom = 'auto' | 'index' | 'scan';

export interface Checkpoints {
  origin: CheckpointOrigin;
  groups(): Promise<string[]>;
  forGroup(group: string): Promise<StampedCheckpoint[]>;
}

/**
 * Where translation reads MM2's checkpoints: the worker's index when it is fresh (no scan at failover time),
 * otherwise a full scan of the checkpoints topic, which is also the cross-check (`--from scan`).
 */
export async function openCheckpoints(
  target: ClusterReader,
  flow: FlowConfig,
  from: CheckpointFrom,
  index: CheckpointIndex | undefined,
  now: number,
  /** The index is used while it reached the checkpoints topic's end within this long (checkpointIndex.maxAge). */
  indexMaxAgeMs: number,
): Promise<Checkpoints> {
  let note: string | undefined;
  if (from !== 'scan') {
    const meta = index ? await index.meta(flow.name).catch(() => undefined) : undefined;
    const age = meta && meta.syncedAt > 0 ? Math.max(0, now - meta.syncedAt) : undefined;
    if (index && meta && age !== undefined && age <= indexMaxAgeMs) {
      return {
        origin: { kind: 'index', topic: meta.topic || null, indexAgeMs: age, records: meta.records },
        groups: () => index.groups(flow.name),
        forGroup: (g) => index.group(flow.name, g),
      };
    }
    note = !index
      ? 'Redis did not answer'
      : age === undefined
        ? 'no index yet (is a worker running?)'
        : `index last synced ${Math.round(age / 1000)} s ago (worker down?)`;
    if (from === 'index')
      throw new KdrError('KDR_INDEX_STALE', `the checkpoint index of ${flow.name} cannot be used: ${note}`, {
        hint: 'start `kdr worker` (it keeps the index), or use --from scan to read the checkpoints topic',
        retriable: true,
      });
  }
  const scan = await scanCheckpoints(target, flow);
  const byGroup = new Map<string, StampedCheckpoint[]>();
  for (const c of scan.latest.values()) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c]);
  return {
    origin: {
      kind: 'scan',
      topic: scan.topic,
      ...(note ? { note: `scanned the checkpoints topic: ${note}` } : {}),
    },
    groups: async () => [...byGroup.keys()].sort(),
    forGroup: async (g) => byGroup.get(g) ?? [],
  };
}
