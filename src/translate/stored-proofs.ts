import { proofKey, type StoredProof } from './proof-store.js';
import type { ExactSummary, GroupTranslation, TranslationRow } from './types.js';

/**
 * How much later than a proof MM2's checkpoint must be stamped before kdr trusts that it reflects a later commit
 * (MM2 reads group offsets a moment before it stamps the checkpoint; clocks of the MM2 and kdr hosts differ).
 * Inside this margin the order of the two is unknown and kdr takes the lower offset.
 */
export const ORDER_MARGIN_MS = 5000;

export type StoredChoice = { offset: number; used: 'proof' | 'checkpoint' | 'both'; why: string };

/**
 * Pure: where a group resumes on the target when the source is gone, from MM2's checkpoint (u_c → d_c, stamped
 * t_c) and kdr's newest stored proof (g_p → d_p, read at t_p). Never past either one's true position:
 * - no checkpoint: the proof (the only fact there is);
 * - the proof is newer (t_p > t_c): d_p, the true position of the newest commit known;
 * - the checkpoint is newer (t_c > t_p + margin): d_c if the group went back below g_p (a rewind after the proof),
 *   else max(d_c, d_p), both at or before the true position of u_c;
 * - order unknown: min(d_c, d_p).
 */
export function chooseStored(
  checkpoint: { committed: number; offset: number; at: number } | null,
  proof: StoredProof,
): StoredChoice {
  if (!checkpoint) return { offset: proof.offset, used: 'proof', why: 'MM2 has no checkpoint' };
  const c = checkpoint;
  if (proof.at > c.at)
    return { offset: proof.offset, used: 'proof', why: 'the proof is newer than the checkpoint' };
  if (c.at > proof.at + ORDER_MARGIN_MS) {
    if (c.committed < proof.committed)
      return {
        offset: c.offset,
        used: 'checkpoint',
        why: `the group went back to ${c.committed} after the proof (at ${proof.committed}): MM2's newer checkpoint`,
      };
    return c.offset >= proof.offset
      ? { offset: c.offset, used: 'checkpoint', why: "MM2's newer checkpoint is at or past the proof" }
      : {
          offset: proof.offset,
          used: 'both',
          why: "the group moved on after the proof; MM2's newer checkpoint is behind it",
        };
  }
  return c.offset <= proof.offset
    ? {
        offset: c.offset,
        used: 'checkpoint',
        why: 'checkpoint and proof too close in time to order: the lower',
      }
    : {
        offset: proof.offset,
        used: 'proof',
        why: 'checkpoint and proof too close in time to order: the lower',
      };
}

/**
 * The stored proofs into the rows of an unplanned failover: `translated` becomes the chosen offset, MM2's figure is
 * kept beside it. A proof beyond the target's log end (topic recreated) is ignored.
 */
export function applyStoredProofs(
  groups: GroupTranslation[],
  proofs: Map<string, StoredProof>,
  now: number,
): ExactSummary {
  for (const g of groups)
    for (const r of g.rows) {
      const p = proofs.get(proofKey(g.group, r.toTopic, r.partition));
      const mm2 = r.translated;
      if (!p || (r.toEnd !== null && p.offset > r.toEnd)) {
        r.exact = {
          proven: false,
          offset: null,
          mm2,
          rereadsSaved: null,
          mm2Rereads: null,
          reason: p
            ? `the stored proof (${p.offset}) is past the target's end (${r.toEnd})`
            : 'no stored proof',
        };
        if (mm2 !== null) r.method = 'checkpoint';
        continue;
      }
      const choice = chooseStored(
        mm2 === null || r.basis === null
          ? null
          : { committed: r.basis, offset: mm2, at: now - (r.ageMs ?? 0) },
        p,
      );
      stored(r, p, choice, mm2);
    }
  const rows = groups.flatMap((g) => g.rows);
  const used = rows.filter((r) => r.exact?.stored && r.exact.proven);
  return {
    partitions: rows.length,
    proven: used.length,
    rereadsSaved: rows.reduce((n, r) => n + (r.exact?.rereadsSaved ?? 0), 0),
    syncsTopic: null,
    stored: {
      used: used.length,
      oldest: used.map((r) => r.exact!.stored!.at).sort()[0] ?? null,
    },
  };
}

function stored(r: TranslationRow, p: StoredProof, c: StoredChoice, mm2: number | null): void {
  r.translated = c.offset;
  r.method = c.used === 'checkpoint' ? 'checkpoint' : 'exact';
  r.delta = r.toCommitted !== null ? c.offset - r.toCommitted : null;
  r.exact = {
    proven: c.used !== 'checkpoint',
    offset: p.offset,
    mm2,
    rereadsSaved: mm2 === null ? null : Math.max(0, c.offset - mm2),
    mm2Rereads: null,
    ...(c.used === 'checkpoint' ? { reason: c.why } : {}),
    stored: { committed: p.committed, at: new Date(p.at).toISOString(), why: c.why },
  };
}
