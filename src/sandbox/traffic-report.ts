import { ClusterReader } from '../kafka/cluster-reader.js';
import { type SandboxLayout, sandboxClusterConfig } from './layout.js';
import { type Acked, ackLog, type Consumed, consumeLog, readLog } from './traffic.js';

/** What the traffic generator's own logs say happened, checked against what the clusters hold. */
export interface TrafficTruth {
  topic: string;
  /** Its mirrored name on dr. */
  remote: string;
  acked: { primary: number; dr: number };
  /** Acked by the primary but not on dr (in `primary.<topic>`): lost if the primary is gone. Null: dr unreadable. */
  notReplicated: number | null;
  notReplicatedSeqs: number[];
  /** Acked by dr but not on the primary (in `dr.<topic>`): what a failback still has to copy. Null: unreadable. */
  notReturned: number | null;
  consumed: { records: number; distinct: number; duplicates: number };
  /** Acked (and, for primary writes, replicated) but never consumed. */
  neverConsumed: number;
  unreadable: string[];
}

async function seqsOn(layout: SandboxLayout, cluster: 'primary' | 'dr', topic: string): Promise<Set<number>> {
  const cfg = sandboxClusterConfig(layout, cluster);
  const reader = new ClusterReader(cluster, {
    ...cfg,
    timeouts: { connectMs: 2000, requestMs: 4000, probeMs: 2000 },
  });
  const seen = new Set<number>();
  try {
    if (!(await reader.topicExists(topic))) return seen;
    await reader.readAll(topic, (r) => {
      const n = Number(String(r.value));
      if (Number.isInteger(n)) seen.add(n);
    });
    return seen;
  } finally {
    await reader.close();
  }
}

/**
 * `remote`: the topic's name on dr when another flow than the sandbox's mirrors it (default `primary.<topic>`,
 * MM2's default policy); failback's copy on the primary is read as `dr.<topic>`.
 */
export async function trafficTruth(
  layout: SandboxLayout,
  topic: string,
  remote?: string,
): Promise<TrafficTruth> {
  const acked = readLog<Acked>(ackLog(layout, topic));
  const consumed = readLog<Consumed>(consumeLog(layout, topic));
  const unreadable: string[] = [];
  const onCluster = async (cluster: 'primary' | 'dr', t: string) =>
    seqsOn(layout, cluster, t).catch((e: Error) => {
      unreadable.push(`${cluster} (${t}): ${e.message}`);
      return undefined;
    });
  const onDr = await onCluster('dr', remote ?? `primary.${topic}`);
  const onPrimary = await onCluster('primary', `dr.${topic}`);
  const fromPrimary = acked.filter((a) => a.cluster === 'primary');
  const fromDr = acked.filter((a) => a.cluster === 'dr');
  const missing = onDr ? fromPrimary.filter((a) => !onDr.has(a.seq)).map((a) => a.seq) : [];
  const distinct = new Set(consumed.map((c) => c.seq));
  const lost = new Set(missing);
  return {
    topic,
    remote: remote ?? `primary.${topic}`,
    acked: { primary: fromPrimary.length, dr: fromDr.length },
    notReplicated: onDr ? missing.length : null,
    notReplicatedSeqs: missing.slice(0, 20),
    notReturned: onPrimary ? fromDr.filter((a) => !onPrimary.has(a.seq)).length : null,
    consumed: {
      records: consumed.length,
      distinct: distinct.size,
      duplicates: consumed.length - distinct.size,
    },
    neverConsumed: acked.filter((a) => !distinct.has(a.seq) && !lost.has(a.seq)).length,
    unreadable,
  };
}

export function truthText(t: TrafficTruth): string {
  const seqs = t.notReplicatedSeqs.length
    ? ` (seq ${t.notReplicatedSeqs.join(', ')}${t.notReplicated! > t.notReplicatedSeqs.length ? ', …' : ''})`
    : '';
  return [
    `traffic on ${t.topic}, from its own logs:`,
    `  acknowledged: ${t.acked.primary} by primary, ${t.acked.dr} by dr`,
    `  acknowledged by primary, not on dr (${t.remote}): ${t.notReplicated ?? 'unknown'}${seqs}`,
    `  acknowledged by dr, not on primary (dr.${t.topic}): ${t.notReturned ?? 'unknown'}`,
    `  consumed: ${t.consumed.records} record(s), ${t.consumed.distinct} distinct, ${t.consumed.duplicates} duplicate(s)`,
    `  acknowledged (and not lost) but never consumed: ${t.neverConsumed}`,
    ...t.unreadable.map((u) => `  could not read ${u}`),
  ].join('\n');
}
