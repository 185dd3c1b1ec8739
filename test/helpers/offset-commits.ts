import type { Config } from '../../src/config/load.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';

/**
 * How many committed-offset records each of `groups` has in the cluster's __consumer_offsets (one per partition
 * per OffsetCommit): the broker's own record of how often something committed for a group.
 */
export async function offsetCommitRecords(
  config: Config,
  cluster: string,
  groups: string[],
): Promise<Map<string, number>> {
  const wanted = new Set(groups);
  const counts = new Map(groups.map((g) => [g, 0]));
  const reader = new ClusterReader(cluster, config.clusters[cluster]!);
  try {
    await reader.readAll('__consumer_offsets', (r) => {
      if (!r.key || !r.value || r.key.length < 4) return;
      const version = r.key.readInt16BE(0);
      if (version !== 0 && version !== 1) return; // 2: group metadata, not an offset
      const len = r.key.readInt16BE(2);
      const group = r.key.toString('utf8', 4, 4 + len);
      if (wanted.has(group)) counts.set(group, counts.get(group)! + 1);
    });
  } finally {
    await reader.close();
  }
  return counts;
}
