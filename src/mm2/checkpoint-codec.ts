import { WireReader } from './wire.js';

export interface Checkpoint {
  group: string;
  /** Target-side topic name, e.g. `primary.orders`. */
  topic: string;
  partition: number;
  upstreamOffset: bigint;
  downstreamOffset: bigint;
  metadata: string;
}

/**
 * Decodes an MM2 checkpoint record (`<source>.checkpoints.internal`).
 * Key: group STRING, topic STRING, partition INT32. Value: version INT16 (read with the v0 layout whatever
 * it says, as Java does), upstreamOffset INT64, downstreamOffset INT64, metadata STRING.
 * Null for tombstones; throws on malformed bytes.
 */
/** A checkpoint with the timestamp of its record. */
export type StampedCheckpoint = Checkpoint & { timestamp: number };

export function decodeCheckpoint(key: Buffer | null, value: Buffer | null): Checkpoint | null {
  if (value === null) return null;
  if (key === null) throw new Error('checkpoint record has no key');
  const k = new WireReader(key);
  const group = k.string();
  const topic = k.string();
  const partition = k.int32();
  const v = new WireReader(value);
  v.int16();
  const upstreamOffset = v.int64();
  const downstreamOffset = v.int64();
  const metadata = v.string();
  return { group, topic, partition, upstreamOffset, downstreamOffset, metadata };
}
