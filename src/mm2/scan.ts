import type { TailRecord } from '../kafka/types.js';

export interface Malformed {
  partition: number;
  offset: string;
  error: string;
}

export interface Decoded<T> {
  records: Array<T & { offset: bigint; timestamp: number }>;
  tombstones: number;
  malformed: Malformed[];
}

/**
 * Decodes records with one of the MM2 codecs. A malformed record is reported (partition, offset, why) and
 * skipped; nothing thrown by a decoder ever escapes a scan.
 */
export function decodeAll<T extends object>(
  records: Iterable<TailRecord>,
  decode: (key: Buffer | null, value: Buffer | null) => T | null,
): Decoded<T> {
  const out: Decoded<T> = { records: [], tombstones: 0, malformed: [] };
  for (const r of records) {
    try {
      const d = decode(r.key, r.value);
      if (d === null) out.tombstones++;
      else out.records.push({ ...d, offset: r.offset, timestamp: r.timestamp });
    } catch (err) {
      out.malformed.push({
        partition: r.partition,
        offset: r.offset.toString(),
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return out;
}
