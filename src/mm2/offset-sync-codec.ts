import { WireReader } from './wire.js';

export interface OffsetSync {
  /** Source-side topic name, e.g. `orders`. */
  topic: string;
  partition: number;
  upstreamOffset: bigint;
  downstreamOffset: bigint;
}

/**
 * Decodes an MM2 offset-sync record. Key: topic STRING, partition INT32. Value: upstreamOffset INT64,
 * downstreamOffset INT64 (no version header). Null for tombstones; throws on malformed bytes.
 */
export function decodeOffsetSync(key: Buffer | null, value: Buffer | null): OffsetSync | null {
  if (value === null) return null;
  if (key === null) throw new Error('offset-sync record has no key');
  const k = new WireReader(key);
  const topic = k.string();
  const partition = k.int32();
  const v = new WireReader(value);
  return { topic, partition, upstreamOffset: v.int64(), downstreamOffset: v.int64() };
}
