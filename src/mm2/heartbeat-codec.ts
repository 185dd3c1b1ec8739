import { WireReader } from './wire.js';

export interface Heartbeat {
  sourceClusterAlias: string;
  targetClusterAlias: string;
  timestamp: number;
}

/**
 * Decodes an MM2 heartbeat record. Key: sourceClusterAlias STRING, targetClusterAlias STRING.
 * Value: version INT16 (any version is read with the v0 layout, as Java does), timestamp INT64 epoch ms.
 * Returns null for tombstones; throws on malformed bytes (callers report and continue).
 */
export function decodeHeartbeat(key: Buffer | null, value: Buffer | null): Heartbeat | null {
  if (value === null) return null;
  if (key === null) throw new Error('heartbeat record has no key');
  const k = new WireReader(key);
  const sourceClusterAlias = k.string();
  const targetClusterAlias = k.string();
  const v = new WireReader(value);
  v.int16();
  const timestamp = Number(v.int64());
  return { sourceClusterAlias, targetClusterAlias, timestamp };
}
