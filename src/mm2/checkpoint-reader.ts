import type { ClusterReader } from '../kafka/cluster-reader.js';
import { decodeCheckpoint, type StampedCheckpoint } from './checkpoint-codec.js';

/** A checkpoint value is INT16 version, INT64 upstream, INT64 downstream, STRING metadata (INT16 length). */
const FIXED = 2 + 8 + 8 + 2;
const valueDecodes = (v: Buffer) =>
  v.length >= FIXED && v.readInt16BE(FIXED - 2) >= 0 && FIXED + v.readInt16BE(FIXED - 2) <= v.length;

export interface NewestCheckpoints {
  /** Newest checkpoint per record key (group, target topic, partition). */
  latest: StampedCheckpoint[];
  read: number;
  malformed: number;
}

/**
 * The newest decodable checkpoint per key in [from, to) of one partition, as RemoteClusterUtils sees them: the
 * last record in log order wins and undecodable records are skipped. Records are deduplicated by their key bytes
 * before decoding (a compacted topic holds several records per key until it is cleaned), so only the survivors
 * are decoded: a value is checked for decodability first, so that a malformed newer record never hides an older
 * good one; a key that does not decode fails for every record of it alike.
 */
export async function newestCheckpoints(
  reader: ClusterReader,
  topic: string,
  partition: number,
  from: bigint,
  to: bigint,
): Promise<NewestCheckpoints> {
  let read = 0;
  let malformed = 0;
  const byKey = new Map<string, { key: Buffer; value: Buffer; timestamp: number }>();
  await reader.readRange(topic, partition, from, to, (r) => {
    read++;
    if (r.value === null) return; // tombstones do not decode: skipped, as MM2 skips them
    if (r.key === null || !valueDecodes(r.value)) {
      malformed++;
      return;
    }
    byKey.set(r.key.toString('latin1'), { key: r.key, value: r.value, timestamp: r.timestamp });
  });
  const latest: StampedCheckpoint[] = [];
  for (const e of byKey.values()) {
    try {
      const c = decodeCheckpoint(e.key, e.value);
      if (c) latest.push(Object.assign(c, { timestamp: e.timestamp }));
    } catch {
      malformed++;
    }
  }
  return { latest, read, malformed };
}
