import type { ClusterConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ClusterReader } from '../kafka/cluster-reader.js';

export interface LagSample {
  atMs: number;
  lag: number;
  committed: number;
}

export interface LagValidation {
  group: string;
  cluster: string;
  state: string;
  members: number;
  windowMs: number;
  samples: LagSample[];
  trend: 'decreasing' | 'stable' | 'growing';
  verdict: 'PASS' | 'WARN' | 'FAIL';
  message: string;
}

/** Pure: the seed's validation rule, over first and last sample. */
export function judgeTrend(samples: LagSample[]): Pick<LagValidation, 'trend' | 'verdict' | 'message'> {
  const first = samples[0]!.lag;
  const last = samples[samples.length - 1]!.lag;
  if (last < first)
    return {
      trend: 'decreasing',
      verdict: 'PASS',
      message: 'lag is decreasing: the consumer is catching up',
    };
  if (last === first)
    return last === 0
      ? { trend: 'stable', verdict: 'PASS', message: 'no lag: the consumer is keeping up' }
      : {
          trend: 'stable',
          verdict: 'WARN',
          message: 'lag is stable: the consumer may keep pace but is not catching up',
        };
  return {
    trend: 'growing',
    verdict: 'FAIL',
    message: 'lag is increasing: the consumer is falling behind on this cluster',
  };
}

/** Post-failover validation: samples the group's total lag on `cluster` over a short window. */
export async function validateGroupLag(
  cluster: string,
  cfg: ClusterConfig,
  group: string,
  windowMs: number,
  samples: number,
  log: Logger,
): Promise<LagValidation> {
  const reader = new ClusterReader(cluster, cfg, log);
  try {
    const sample = async (t0: number): Promise<LagSample> => {
      const commits = await reader.groupOffsets(group);
      if (commits.length === 0)
        throw new KdrError('KDR_UNKNOWN_GROUP', `group ${group} has no committed offsets on ${cluster}`, {
          hint: 'start its consumers there (after `kdr translate --commit`) and validate once they have committed',
        });
      const topics = new Map<string, number>();
      for (const c of commits) topics.set(c.topic, Math.max(topics.get(c.topic) ?? 0, c.partition + 1));
      const parts = await reader.topicPartitions();
      for (const t of topics.keys()) topics.set(t, parts.get(t) ?? topics.get(t)!);
      const ends = await reader.endOffsets(topics);
      let lag = 0;
      let committed = 0;
      for (const c of commits) {
        lag += Math.max(0, Number((ends.get(c.topic)?.[c.partition] ?? c.offset) - c.offset));
        committed += Number(c.offset);
      }
      return { atMs: Date.now() - t0, lag, committed };
    };
    const t0 = Date.now();
    const out: LagSample[] = [];
    const n = Math.max(2, samples);
    for (let i = 0; i < n; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, windowMs / (n - 1)));
      out.push(await sample(t0));
    }
    const [info] = await reader.describeGroups([group]);
    return {
      group,
      cluster,
      state: info?.state ?? 'Unknown',
      members: info?.members ?? 0,
      windowMs,
      samples: out,
      ...judgeTrend(out),
    };
  } finally {
    await reader.close();
  }
}
