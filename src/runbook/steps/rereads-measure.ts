import { ClusterReader } from '../../kafka/cluster-reader.js';
import type { TailRecord } from '../../kafka/types.js';
import { gatherTranslation } from '../../translate/gather.js';
import { matchWindow, observedFromMatch, predictedRereads, type RereadRow } from '../rereads.js';
import { dataOf, type StepContext } from '../step.js';
import type { Run } from '../types.js';
import type { OffsetsData } from './offsets.js';

/** Target records read around each predicted position (either side). */
const WINDOW = 500;

export interface RereadFigures {
  predicted: number;
  /** Summed over the partitions whose last consumed record was found on the target; null when none was. */
  observed: number | null;
  partitions: number;
  unmatched: number;
  /** Per group: predicted (the plan's figure) and observed; observed null when a partition of it was not matched. */
  groups?: Record<string, { predicted: number; observed: number | null }>;
  /** Planned failover with exact offsets: what MM2's checkpoints alone would have made the groups re-read. */
  mm2?: number;
}

async function read(r: ClusterReader, topic: string, partition: number, from: number, to: number) {
  const out: TailRecord[] = [];
  await r.readRange(
    topic,
    partition,
    BigInt(Math.max(0, from)),
    BigInt(Math.max(0, to)),
    (x) => void out.push(x),
  );
  return out;
}

/**
 * Predicted and observed re-reads of the groups the run moved (planned runs: the source must answer). The rows
 * come from the translation (where each group was on the source, what the translation stood on) and the offsets
 * step (what kdr wrote on the target, and what its plan said each partition re-reads); identical rows are measured
 * once. Per group, so each group's observed figure can be held against its plan's.
 */
export async function measureRereads(ctx: StepContext, run: Run): Promise<RereadFigures | undefined> {
  const data = dataOf<OffsetsData>(run, 'offsets');
  const written = data?.written;
  const mm2 = data?.rereads;
  if (run.mode !== 'planned' || !written) return undefined;
  const report = await gatherTranslation(ctx.config, ctx.log, {
    flow: ctx.flow,
    groups: Object.keys(written),
    all: false,
    from: 'scan',
    failback: false,
  });
  const rows: RereadRow[] = [];
  for (const g of report.groups)
    for (const r of g.rows) {
      const w = written[g.group]?.find((x) => x.topic === r.toTopic && x.partition === r.partition);
      if (w && r.fromCommitted !== null)
        rows.push({
          group: g.group,
          fromTopic: r.fromTopic,
          toTopic: r.toTopic,
          partition: r.partition,
          fromCommitted: r.fromCommitted,
          basis: r.basis,
          written: w.offset,
          ...(w.rereads !== undefined ? { planned: w.rereads } : {}),
        });
    }
  const source = new ClusterReader(ctx.flow.source, ctx.config.clusters[ctx.flow.source]!, ctx.log);
  const target = new ClusterReader(ctx.flow.target, ctx.config.clusters[ctx.flow.target]!, ctx.log);
  const seen = new Map<string, number | null>();
  let observed: number | null = null;
  let unmatched = 0;
  const groups: NonNullable<RereadFigures['groups']> = {};
  try {
    for (const r of rows) {
      const key = JSON.stringify([r.fromTopic, r.partition, r.fromCommitted, r.basis, r.written, r.planned]);
      if (!seen.has(key)) {
        let o: number | null = 0;
        if (r.fromCommitted > 0) {
          const [last] = await read(source, r.fromTopic, r.partition, r.fromCommitted - 1, r.fromCommitted);
          const w = matchWindow(r, WINDOW);
          o = last
            ? observedFromMatch(
                last,
                await read(target, r.toTopic, r.partition, w.from, w.to),
                r.written,
                predictedRereads(r),
              )
            : null;
        }
        seen.set(key, o);
      }
      const o = seen.get(key)!;
      if (o === null) unmatched++;
      else observed = (observed ?? 0) + o;
      groups[r.group] ??= { predicted: 0, observed: 0 };
      const g = groups[r.group]!;
      g.predicted += predictedRereads(r);
      g.observed = o === null || g.observed === null ? null : g.observed + o;
    }
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
  return {
    predicted: rows.reduce((n, r) => n + predictedRereads(r), 0),
    observed,
    partitions: rows.length,
    unmatched,
    groups,
    ...(mm2 ? { mm2: Object.values(mm2).reduce((n, g) => n + g.mm2, 0) } : {}),
  };
}
