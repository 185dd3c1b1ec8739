import type { Block, View } from '../core/command.js';
import { formatDuration } from '../core/duration.js';
import type { OffsetsBody } from '../translate/offsets-change.js';
import type { GroupTranslation, TranslationReport } from '../translate/types.js';
import type { LagValidation } from '../translate/validate.js';
import { table } from './table.js';

const num = (v: number | null) => (v === null ? '-' : String(v));
const SLACK_ROWS = 20;

function originLine(r: TranslationReport): string {
  const o = r.origin;
  const src =
    o.kind === 'index'
      ? `checkpoint index (synced ${formatDuration(o.indexAgeMs ?? 0)} ago)`
      : o.kind === 'scan'
        ? `full scan of ${o.topic ?? 'no checkpoints topic'}${o.note ? ` (${o.note.replace(/^scanned the checkpoints topic: /, '')})` : ''}`
        : `inverted offset syncs from ${o.topic ?? 'no offset-syncs topic'}`;
  return `${r.direction} ${r.flow}: ${r.from} → ${r.to}, from ${src}`;
}

function rowsTable(r: TranslationReport, g: GroupTranslation, limit = Number.POSITIVE_INFINITY): string {
  const rows = g.rows.slice(0, limit);
  const exact = r.exact !== undefined;
  const body = table(
    [
      `topic (${r.to})`,
      'p',
      `committed (${r.from})`,
      r.direction === 'failover' ? 'checkpoint upstream' : 'sync downstream',
      'translated',
      ...(exact ? ['by', 'MM2', 'saved'] : []),
      `committed (${r.to})`,
      'delta',
      `end (${r.to})`,
      'age',
      'flags',
    ],
    rows.map((x) => [
      x.toTopic,
      String(x.partition),
      num(x.fromCommitted),
      num(x.basis),
      num(x.translated),
      ...(exact
        ? [
            x.method === 'exact' ? 'kdr' : x.method === 'checkpoint' ? 'MM2' : '-',
            num(x.exact?.mm2 ?? null),
            num(x.exact?.rereadsSaved ?? null),
          ]
        : []),
      num(x.toCommitted),
      x.delta === null ? '-' : x.delta > 0 ? `+${x.delta}` : String(x.delta),
      num(x.toEnd),
      x.ageMs === null ? '-' : formatDuration(x.ageMs),
      x.flags.join(',') || 'ok',
    ]),
  );
  const more =
    rows.length < g.rows.length
      ? `\n(${g.rows.length - rows.length} more partitions: see the attached file or --json)`
      : '';
  return `${body}${more}${exact ? fallbacks(rows) : ''}`;
}

/** Why kdr fell back to MM2's figure, one line per reason with the partitions it applies to. */
function fallbacks(rows: GroupTranslation['rows']): string {
  const by = new Map<string, string[]>();
  for (const x of rows) {
    const st = x.exact?.stored;
    const why =
      x.exact?.reason ??
      x.exact?.note ??
      (st ? `from kdr's stored proof of ${st.at} (source commit ${st.committed}): ${st.why}` : undefined);
    if (why) by.set(why, [...(by.get(why) ?? []), `${x.toTopic}-${x.partition}`]);
  }
  return [...by]
    .map(
      ([why, at]) => `\n  ${at.slice(0, 4).join(', ')}${at.length > 4 ? ` (+${at.length - 4})` : ''}: ${why}`,
    )
    .join('');
}

function exactLine(r: TranslationReport): string[] {
  const e = r.exact;
  if (!e) return [];
  if (e.stored)
    return [
      `exact: ${r.from} did not answer: ${e.stored.used} of ${e.partitions} partition(s) from kdr's stored proofs (oldest ${e.stored.oldest ?? '-'}); ${e.rereadsSaved} re-read(s) saved against MM2's checkpoints; the others keep MM2's figure`,
    ];
  return [
    `exact: ${e.proven} of ${e.partitions} partition(s) proven record by record${e.syncsTopic ? ` (anchored on ${e.syncsTopic})` : ''}; ${e.rereadsSaved} re-read(s) saved against MM2's checkpoints; the others keep MM2's figure`,
  ];
}

function groupHeader(r: TranslationReport, g: GroupTranslation): string {
  const flagged = new Set(g.rows.flatMap((x) => x.flags));
  return `group ${g.group} on ${r.to}: ${g.toState}, ${g.toMembers} member(s); ${g.rows.length} partition(s)${flagged.size ? `; flags: ${[...flagged].join(', ')}` : ''}`;
}

export function translationText(r: TranslationReport): string {
  const parts = [originLine(r), ...exactLine(r)];
  for (const p of r.problems) parts.push(`! ${p}`);
  if (r.groups.length === 0) parts.push('no groups to translate');
  for (const g of r.groups) parts.push('', groupHeader(r, g), rowsTable(r, g));
  return parts.join('\n');
}

export const translationView: View<TranslationReport> = {
  text: translationText,
  summary: (r) => {
    const flagged = r.groups.filter((g) => g.rows.some((x) => x.flags.length)).length;
    return `translate ${r.flow} (${r.direction}): ${r.groups.length} group(s), ${flagged} with flags`;
  },
  blocks: (r) => {
    const blocks: Block[] = [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*${originLine(r)}*${exactLine(r)
            .map((l) => `\n${l}`)
            .join('')}${r.problems.map((p) => `\n:warning: ${p}`).join('')}`,
        },
      },
    ];
    for (const g of r.groups.slice(0, 5))
      blocks.push({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${groupHeader(r, g)}\n\`\`\`${rowsTable(r, g, SLACK_ROWS)}\`\`\``.slice(0, 2900),
        },
      });
    if (r.groups.length > 5)
      blocks.push({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `${r.groups.length - 5} more group(s) in the attached file` }],
      });
    return blocks;
  },
  attachment: (r) =>
    r.groups.length > 5 || r.groups.some((g) => g.rows.length > SLACK_ROWS)
      ? { filename: `kdr-translate-${r.flow}.txt`, title: `translate ${r.flow}`, content: translationText(r) }
      : undefined,
};

/** The result of `translate --commit` from a terminal (or "nothing to do" from anywhere). */
export interface CommitOutcome {
  plan: OffsetsBody;
  hash: string;
  /** The plan in words. */
  text: string;
  translation: TranslationReport;
  /** `written`; `partly written` (some groups not: see `result`); `unchanged` (nothing to write). */
  outcome: 'written' | 'partly written' | 'unchanged';
  applied: boolean;
  verified: boolean;
  durationMs: number;
  authorisedBy: string;
  /** The executor's own words. */
  result?: string;
}

function commitText(c: CommitOutcome): string {
  const groups = [...c.plan.unchanged, ...c.plan.groups.map((g) => g.group)];
  if (c.outcome === 'unchanged')
    return `${groups.length === 1 ? groups[0] : `${groups.length} group(s)`} on ${c.plan.cluster} ${groups.length === 1 ? 'is' : 'are'} already at the translated offsets: nothing written`;
  const partitions = c.plan.groups.reduce((n, g) => n + g.changes.length, 0);
  const what =
    c.plan.groups.length === 1
      ? `${partitions} partition(s) of ${c.plan.groups[0]!.group}`
      : `${c.plan.groups.length} group(s) (${partitions} partition(s))`;
  return c.outcome === 'written'
    ? `${c.text}\ncommitted ${what} on ${c.plan.cluster} (authorised by ${c.authorisedBy}); read back: ${c.verified ? 'equal' : 'DIFFERENT'}; ${formatDuration(c.durationMs)}`
    : `${c.text}\n${c.result ?? ''} (authorised by ${c.authorisedBy}); ${formatDuration(c.durationMs)}`;
}

export const commitView: View<CommitOutcome> = {
  text: commitText,
  summary: (c) =>
    c.outcome === 'unchanged'
      ? `already translated: nothing written on ${c.plan.cluster}`
      : `committed ${c.plan.groups.length} group(s) on ${c.plan.cluster}`,
  blocks: (c) => [
    { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${commitText(c).slice(0, 2800)}\`\`\`` } },
  ],
  attachment: (c) =>
    c.text.length > 2800
      ? { filename: `kdr-commit-${c.plan.flow}.txt`, title: `translate --commit`, content: commitText(c) }
      : undefined,
};

function validationText(v: LagValidation): string {
  const lines = [
    `lag trend of ${v.group} on ${v.cluster} over ${formatDuration(v.windowMs)} (${v.samples.length} samples): ${v.state}, ${v.members} member(s)`,
    ...v.samples.map(
      (s, i) =>
        `lag at T+${formatDuration(s.atMs)}: ${s.lag}${i === 0 ? '' : ` (committed +${s.committed - v.samples[0]!.committed})`}`,
    ),
    `${v.verdict}: ${v.message}`,
  ];
  return lines.join('\n');
}

export const validationView: View<LagValidation> = {
  text: validationText,
  summary: (v) => `${v.verdict}: ${v.group} on ${v.cluster}: lag ${v.trend}`,
  blocks: (v) => [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${validationText(v)}\`\`\`` } }],
};
