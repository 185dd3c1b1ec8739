import type { FlowConfig } from '../config/load.js';
import type { ClusterReader } from '../kafka/cluster-reader.js';
import type { OffsetSync } from '../mm2/offset-sync-codec.js';
import { expectedRereads } from '../mm2/rereads.js';
import { scanOffsetSyncs } from '../mm2/topics.js';
import { proveExactMany } from './exact.js';
import type { ExactOutcome } from './exact-proof.js';
import { flagsOf } from './rows.js';
import type { ExactSummary, GroupTranslation, TranslationRow } from './types.js';

/**
 * `--exact` for a failover: every row with a source commit is proven where it can be; the rows keep MM2's figure
 * beside kdr's, and `translated` becomes the proven offset.
 */
export async function exactRows(
  source: ClusterReader,
  target: ClusterReader,
  flow: FlowConfig,
  groups: GroupTranslation[],
  sourceDown: string | null,
): Promise<ExactSummary> {
  const rows = groups.flatMap((g) => g.rows);
  if (sourceDown !== null) {
    for (const r of rows)
      settle(r, { proven: false, reason: `${flow.source} did not answer (${sourceDown})` }, flow);
    return summary(rows, null);
  }
  const scan = await scanOffsetSyncs(source, target, flow);
  const asked = rows.filter((r) => r.fromCommitted !== null);
  const outcomes = await proveExactMany(
    source,
    target,
    scan.syncs,
    asked.map((r) => ({
      sourceTopic: r.fromTopic,
      targetTopic: r.toTopic,
      partition: r.partition,
      committed: BigInt(r.fromCommitted!),
    })),
  );
  for (const [i, r] of asked.entries()) settle(r, outcomes[i]!, flow, scan.syncs);
  for (const r of rows)
    if (r.fromCommitted === null)
      settle(
        r,
        { proven: false, reason: `the group has no commit on ${flow.source} for this partition` },
        flow,
      );
  return summary(rows, scan.topic);
}

/** Puts one outcome into its row: kdr's offset where proven, MM2's (unchanged) where not, and both figures. */
export function settle(
  r: TranslationRow,
  o: ExactOutcome,
  flow: FlowConfig,
  syncs?: Map<string, OffsetSync[]>,
): void {
  const mm2 = r.translated;
  if (o.proven) {
    const offset = Number(o.offset);
    r.translated = offset;
    r.basis = r.fromCommitted;
    r.method = 'exact';
    r.exact = {
      proven: true,
      offset,
      mm2,
      rereadsSaved: mm2 === null ? null : Math.max(0, offset - mm2),
      mm2Rereads: mm2 === null ? null : offset - mm2,
      ...(mm2 !== null && mm2 > offset
        ? {
            note: `MM2's checkpoint (${mm2}) is past the group's position: it would skip ${mm2 - offset} record(s) (the group went back after it)`,
          }
        : {}),
    };
  } else {
    if (mm2 !== null) r.method = 'checkpoint';
    const mm2Rereads =
      mm2 === null || r.fromCommitted === null
        ? null
        : expectedRereads(BigInt(r.fromCommitted), BigInt(mm2), syncs?.get(`${r.fromTopic}:${r.partition}`));
    r.exact = { proven: false, offset: null, mm2, rereadsSaved: null, mm2Rereads, reason: o.reason };
  }
  r.flags = flagsOf(r, flow.rpo, r.fromCommitted !== null);
  r.delta = r.translated !== null && r.toCommitted !== null ? r.translated - r.toCommitted : null;
}

function summary(rows: TranslationRow[], syncsTopic: string | null): ExactSummary {
  return {
    partitions: rows.length,
    proven: rows.filter((r) => r.exact?.proven).length,
    rereadsSaved: rows.reduce((n, r) => n + (r.exact?.rereadsSaved ?? 0), 0),
    syncsTopic,
  };
}
