import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClusterReader } from '../../kafka/cluster-reader.js';
import type { PartitionWriter } from '../../kafka/partition-writer.js';
import type { TailRecord } from '../../kafka/types.js';
import type { ApplyIO } from '../../pipeline/change.js';
import { type CopyMap, extend } from './rebuild-map.js';

/** Offsets read per fetch loop, and the most one batch written holds (records, bytes). */
const READ_SPAN = 2000n;
const BATCH_RECORDS = 500;
const BATCH_BYTES = 512 * 1024;

const sizeOf = (r: TailRecord) =>
  (r.key?.length ?? 0) +
  (r.value?.length ?? 0) +
  (r.headers ?? []).reduce((n, [k, v]) => n + k.length + v.length, 0);

/** Splits records into batches a broker takes in one request. */
function batches(records: TailRecord[]): TailRecord[][] {
  const out: TailRecord[][] = [];
  let cur: TailRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    if (cur.length && (cur.length >= BATCH_RECORDS || bytes + sizeOf(r) > BATCH_BYTES)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += sizeOf(r);
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Copies DR's records [start, end) of one partition into the (new, empty) partition of the rebuilt topic, in order,
 * as they are; returns where each landed. Checks the lock before every write.
 */
export async function copyPartition(
  from: ClusterReader,
  to: PartitionWriter,
  o: { fromTopic: string; toTopic: string; partition: number; start: number; end: number },
  io: Pick<ApplyIO, 'guard'>,
): Promise<CopyMap> {
  const map: CopyMap = { start: o.start, end: o.end, newEnd: 0, segments: [] };
  const end = BigInt(o.end);
  for (let next = BigInt(o.start); next < end; next += READ_SPAN) {
    const upto = next + READ_SPAN < end ? next + READ_SPAN : end;
    const records: TailRecord[] = [];
    await from.readRange(o.fromTopic, o.partition, next, upto, (r) => void records.push(r));
    for (const b of batches(records)) {
      await io.guard();
      const base = await to.append(o.toTopic, o.partition, b);
      for (const [i, r] of b.entries()) extend(map.segments, Number(r.offset), Number(base) + i);
      map.newEnd = Number(base) + b.length;
    }
  }
  return map;
}

const b64 = (b: Buffer | null) => (b === null ? null : b.toString('base64'));

/**
 * Saves the records at [from, end) of each partition to `file` as JSON lines (key, value and header values base64),
 * written beside and renamed into place, so a file that exists is whole.
 */
export async function saveRecords(
  reader: ClusterReader,
  file: string,
  ranges: Array<{ topic: string; partition: number; from: number; end: number }>,
): Promise<number> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.partial`;
  writeFileSync(tmp, '', { mode: 0o600 });
  let n = 0;
  for (const r of ranges) {
    const lines: string[] = [];
    await reader.readRange(r.topic, r.partition, BigInt(r.from), BigInt(r.end), (rec) => {
      n++;
      lines.push(
        JSON.stringify({
          topic: rec.topic,
          partition: rec.partition,
          offset: Number(rec.offset),
          timestamp: rec.timestamp,
          key: b64(rec.key),
          value: b64(rec.value),
          headers: (rec.headers ?? []).map(([k, v]) => [k, v.toString('base64')]),
        }),
      );
    });
    if (lines.length) appendFileSync(tmp, `${lines.join('\n')}\n`);
  }
  renameSync(tmp, file);
  return n;
}
