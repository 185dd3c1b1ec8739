import { formatDuration } from '../core/duration.js';
import { ConnectRest } from '../mm2/connect-rest.js';
import type { StepContext } from './step.js';

/**
 * What an unplanned failover loses, counted without the primary: the records the primary held at the scheduled
 * health check's last sight of its end offsets, minus what MM2 had replicated by its own stored positions
 * (Connect's source offsets, kept on the target side). A lower bound: whatever was written after that last sight,
 * during `sinceSeenMs`, is lost too and cannot be counted while the primary is gone.
 */
export type LossEstimate =
  | {
      records: number;
      /** When the source ends were last seen, and how long before this estimate. */
      seenAt: string;
      sinceSeenMs: number;
      partitions: number;
      /** Replicated position per source partition (`topic:partition` → next offset to replicate). */
      replicated: Record<string, number>;
      seenEnds: Record<string, number>;
    }
  | { records: null; why: string };

/** Records after each partition's replicated position, up to the end last seen there. */
export function lossFrom(seenEnds: Record<string, number>, lastReplicated: Map<string, number>) {
  const replicated: Record<string, number> = {};
  let records = 0;
  for (const [k, end] of Object.entries(seenEnds)) {
    const last = lastReplicated.get(k);
    const upTo = Math.min(end, last === undefined ? 0 : last + 1);
    replicated[k] = upTo;
    records += Math.max(0, end - upTo);
  }
  return { records, replicated };
}

export async function estimateLoss(ctx: StepContext, now = Date.now()): Promise<LossEstimate> {
  const { flow, config } = ctx;
  const seen = await ctx.seenEnds?.(flow.name);
  if (!seen)
    return {
      records: null,
      why: `no scheduled check saw ${flow.source}'s end offsets (the worker's lag check records them every ${formatDuration(flow.lagCheck.every)})`,
    };
  if (flow.mm2.mode !== 'connect')
    return {
      records: null,
      why: 'dedicated MM2 keeps its positions where kdr cannot read them without the primary (offset syncs live on the source)',
    };
  const url = flow.mm2.url ?? config.clusters[flow.target]!.connect!.url;
  let last: Map<string, number>;
  try {
    last = await new ConnectRest(url, config.clusters[flow.target]!.timeouts.connectMs).sourceOffsets(
      flow.mm2.connectors.source,
    );
  } catch (err) {
    return { records: null, why: `MM2's replicated positions could not be read: ${(err as Error).message}` };
  }
  const { records, replicated } = lossFrom(seen.ends, last);
  return {
    records,
    seenAt: seen.at,
    sinceSeenMs: Math.max(0, now - Date.parse(seen.at)),
    partitions: Object.keys(seen.ends).length,
    replicated,
    seenEnds: seen.ends,
  };
}

export function lossText(l: LossEstimate, source: string): string {
  return l.records === null
    ? `loss unknown: ${l.why}`
    : `at least ${l.records} record(s) on ${l.partitions} partition(s) not replicated when ${source}'s ends were last seen (${formatDuration(l.sinceSeenMs)} ago); records written after that are lost too and cannot be counted`;
}
