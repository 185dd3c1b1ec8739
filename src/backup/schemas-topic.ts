import type { ClusterReader } from '../kafka/cluster-reader.js';
import type { RawRecord } from '../kafka/metadata-types.js';

/**
 * The registry's storage topic as the registry sees it after compaction: the latest record per key (base64
 * key, "" for a null key), in the log order of those latest records; tombstones kept as null values.
 */
export async function latestByKey(reader: ClusterReader, topic: string): Promise<Map<string, RawRecord>> {
  const latest = new Map<string, RawRecord>();
  await reader.readAll(topic, (r) => {
    const key = r.key ? r.key.toString('base64') : '';
    latest.delete(key); // re-inserted at the end: iteration follows the latest records' order
    latest.set(key, {
      partition: r.partition,
      offset: r.offset.toString(),
      key: r.key ? key : null,
      value: r.value ? r.value.toString('base64') : null,
    });
  });
  return latest;
}
