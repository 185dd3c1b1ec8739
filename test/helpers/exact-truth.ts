import type { WindowRecord } from '../../src/kafka/window-reader.js';

/** A record's content, as a consumer would tell records apart. */
export const contentOf = (r: WindowRecord) =>
  JSON.stringify([
    r.timestamp,
    r.key?.toString('base64') ?? null,
    r.value?.toString('base64') ?? null,
    r.headers.map(([k, v]) => [k, v.toString('base64')]),
  ]);

export interface Truth {
  /** The largest target offset from which a consumer still reads every committed source record at or after g. */
  truePos: number;
  /** Target records in [d, truePos) that repeat what the group had already consumed on the source. */
  rereads: (d: number) => number;
}

/**
 * Ground truth for one partition and one group position g: `source` is every data record of the source partition
 * (aborted ones marked), `target` every data record of its copy, `targetEnd` the copy's end offset.
 */
export function truthAt(
  source: WindowRecord[],
  target: WindowRecord[],
  targetEnd: number,
  g: number,
  /** A compacted topic promises only the newest record of each key: older ones may go on either side. */
  compacted = false,
): Truth | null {
  const newest = new Map<string, bigint>();
  for (const r of source) if (!r.aborted) newest.set(r.key?.toString('base64') ?? '', r.offset);
  const needed = (r: WindowRecord) =>
    !r.aborted &&
    Number(r.offset) >= g &&
    (!compacted || newest.get(r.key?.toString('base64') ?? '') === r.offset);
  const need = new Map<string, number>();
  for (const r of source) if (needed(r)) need.set(contentOf(r), (need.get(contentOf(r)) ?? 0) + 1);
  let missing = [...need.values()].reduce((a, b) => a + b, 0);
  let truePos = targetEnd;
  if (missing > 0) {
    truePos = -1;
    for (let i = target.length - 1; i >= 0; i--) {
      const c = contentOf(target[i]!);
      const n = need.get(c) ?? 0;
      if (n > 0) {
        need.set(c, n - 1);
        if (--missing === 0) {
          truePos = Number(target[i]!.offset);
          break;
        }
      }
    }
    if (truePos < 0) return null; // the copy lost records: no position is safe
  }
  const consumed = new Set(source.filter((r) => !r.aborted && Number(r.offset) < g).map(contentOf));
  return {
    truePos,
    rereads: (d) =>
      target.filter((r) => Number(r.offset) >= d && Number(r.offset) < truePos && consumed.has(contentOf(r)))
        .length,
  };
}

/** A small seeded generator (mulberry32): the same seed gives the same scenario. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}
