import { createHash, randomUUID } from 'node:crypto';
import type { ErrorCode } from '../core/errors.js';
import type { GroupTranslation, TranslationReport, TranslationRow } from './types.js';

export interface OffsetChange {
  topic: string;
  partition: number;
  from: number | null;
  to: number;
  /** Records the group reads again from `to` (its source commit minus the source offset `to` stands for). */
  rereads?: number;
  /** With `--exact`: who found `to` (kdr's proof or MM2's checkpoint), and MM2's own figure and re-reads. */
  by?: 'kdr' | 'mm2';
  mm2?: number | null;
  mm2Rereads?: number | null;
  /** Unplanned failover from kdr's stored proof: the records saved against MM2's checkpoint (to − mm2). */
  saved?: number;
}

export interface CommitPlan {
  id: string;
  flow: string;
  direction: TranslationReport['direction'];
  /** The cluster whose group offsets are written. */
  cluster: string;
  group: string;
  changes: OffsetChange[];
  /** Partitions left alone, with why. */
  skipped: Array<{ topic: string; partition: number; reason: string }>;
  /** SHA-256 of what will be written: an approval or confirmation is bound to it. */
  hash: string;
}

export interface Refusal {
  code: ErrorCode;
  message: string;
  hint: string;
}

export interface CommitOptions {
  allowRewind: boolean;
  acceptStale: boolean;
}

const list = (xs: string[]) =>
  `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? `, … (${xs.length} in all)` : ''}`;

/** What a plan's hash binds: the write itself, not the figures shown beside it. */
export const written = (c: OffsetChange) => ({
  topic: c.topic,
  partition: c.partition,
  from: c.from,
  to: c.to,
});

/** With `--exact`: what the group reads again after the write, and what MM2's checkpoint alone would cost. */
function rereadsOf(r: TranslationRow): Partial<OffsetChange> {
  if (!r.exact) return {};
  if (r.exact.stored)
    return {
      by: r.method === 'exact' ? 'kdr' : 'mm2',
      mm2: r.exact.mm2,
      ...(r.exact.rereadsSaved !== null ? { saved: r.exact.rereadsSaved } : {}),
    };
  const mm2Rereads = r.exact.mm2Rereads ?? null;
  const rereads = r.exact.proven ? 0 : mm2Rereads;
  return {
    ...(rereads === null ? {} : { rereads: Math.max(0, rereads) }),
    by: r.exact.proven ? 'kdr' : 'mm2',
    mm2: r.exact.mm2,
    mm2Rereads,
  };
}

/** Pure: the offsets to write for one group, and every reason not to write them. */
export function planCommit(
  report: TranslationReport,
  g: GroupTranslation,
  o: CommitOptions,
): { plan: CommitPlan; refusals: Refusal[] } {
  const changes: OffsetChange[] = [];
  const skipped: CommitPlan['skipped'] = [];
  for (const r of g.rows) {
    if (r.translated === null) {
      skipped.push({
        topic: r.toTopic,
        partition: r.partition,
        reason: r.flags.includes('no-sync')
          ? 'no offset sync at or below the group position'
          : 'no checkpoint yet: the consumer starts per its auto.offset.reset',
      });
    } else if (r.translated !== r.toCommitted) {
      changes.push({
        topic: r.toTopic,
        partition: r.partition,
        from: r.toCommitted,
        to: r.translated,
        ...rereadsOf(r),
      });
    }
  }
  const body = {
    flow: report.flow,
    direction: report.direction,
    cluster: report.to,
    group: g.group,
    changes: changes.map(written),
  };
  const plan: CommitPlan = {
    id: randomUUID(),
    ...body,
    changes,
    skipped,
    hash: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
  };
  const refusals: Refusal[] = [];
  const at = (flag: string) =>
    g.rows.filter((r) => r.flags.includes(flag as never)).map((r) => `${r.toTopic}-${r.partition}`);
  if (g.toMembers > 0)
    refusals.push({
      code: 'KDR_GROUP_ACTIVE',
      message: `group ${g.group} has ${g.toMembers} active member(s) on ${report.to} (state ${g.toState})`,
      hint: `stop the group's consumers on ${report.to} first; Kafka refuses offset commits for an active group`,
    });
  const beyond = at('beyond-end');
  if (beyond.length)
    refusals.push({
      code: 'KDR_BEYOND_END',
      message: `translated offset beyond the log end on ${report.to} for ${list(beyond)}`,
      hint: 'replication has not caught up (or the topic was recreated): check `kdr lag`, wait, and re-run',
    });
  const rewind = g.rows.filter((r) => r.flags.includes('would-rewind'));
  if (rewind.length && !o.allowRewind)
    refusals.push({
      code: 'KDR_WOULD_REWIND',
      message: `the commit would move ${g.group} backwards on ${report.to} for ${list(rewind.map((r) => `${r.toTopic}-${r.partition} ${r.toCommitted}→${r.translated}`))}`,
      hint: 'the group already consumed further there; re-run with --allow-rewind if re-reading is intended',
    });
  const stale = g.rows.filter((r) => r.flags.includes('stale'));
  if (stale.length && !o.acceptStale) {
    const oldest = Math.max(...stale.map((r) => r.ageMs ?? 0));
    refusals.push({
      code: 'KDR_STALE_CHECKPOINTS',
      message: `checkpoints of ${g.group} are older than the flow's RPO (${Math.round(report.rpoMs / 1000)} s) for ${list(stale.map((r) => `${r.toTopic}-${r.partition}`))}; oldest ${Math.round(oldest / 1000)} s`,
      hint: 'check the MM2 checkpoint connector (`kdr status`); re-run with --accept-stale to commit them anyway (the group then re-reads what it consumed after those checkpoints)',
    });
  }
  if (changes.length === 0 && skipped.length === g.rows.length && g.rows.length > 0)
    refusals.push({
      code: 'KDR_NOTHING_TO_TRANSLATE',
      message: `no partition of ${g.group} can be translated yet`,
      hint: 'MM2 checkpoints a group after its first commit past an offset sync; check `kdr lag --group`',
    });
  return { plan, refusals };
}
