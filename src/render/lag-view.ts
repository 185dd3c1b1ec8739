import type { Block, View } from '../core/command.js';
import { formatDuration } from '../core/duration.js';
import type { FlowLag, GroupLag, LagReport } from '../health/lag.js';
import { table } from './table.js';

const ms = (v: number | null) => (v === null ? '-' : formatDuration(v));
const num = (v: number | null) => (v === null ? '-' : String(v));

function partitionTable(f: FlowLag, limit: number): string {
  const rows = [...f.partitions].sort((a, b) => b.lagRecords - a.lagRecords).slice(0, limit);
  const body = table(
    ['topic', 'partition', 'source end', 'replicated to', 'lag (records)', 'lag (time)'],
    rows.map((p) => [
      p.topic,
      String(p.partition),
      String(p.sourceEnd),
      String(p.replicatedUpTo),
      String(p.lagRecords),
      ms(p.lagMs),
    ]),
  );
  return rows.length < f.partitions.length
    ? `${body}\n(${f.partitions.length - rows.length} more partitions, all lagging less: see the attached file or --json)`
    : body;
}

const total = (xs: Array<number | null | undefined>) => {
  const known = xs.filter((x): x is number => x !== null && x !== undefined);
  return known.length ? String(known.reduce((a, b) => a + b, 0)) : '-';
};
const hasExact = (f: FlowLag) => f.groups.some((g) => g.partitions.some((p) => p.exact));

function groupRow(g: GroupLag, exact: boolean): string[] {
  const slack = g.partitions.map((p) => p.slack).filter((x): x is number => x !== null);
  return [
    g.group,
    g.status,
    `${g.state}/${g.members}`,
    String(g.sourceLag),
    ms(g.checkpointAgeMs),
    slack.length ? String(Math.max(...slack)) : '-',
    total(g.partitions.map((p) => p.expectedRereads)),
    ...(exact ? [total(g.partitions.map((p) => p.exact?.rereads))] : []),
  ];
}

function groupTable(f: FlowLag, limit: number): string {
  const exact = hasExact(f);
  const rows = f.groups.slice(0, limit).map((g) => groupRow(g, exact));
  const body = table(
    [
      'group',
      'status',
      'state/members',
      'source lag',
      'checkpoint age',
      'max slack',
      exact ? 're-reads with MM2' : 'expected re-reads',
      ...(exact ? ['with kdr --exact'] : []),
    ],
    rows,
  );
  return f.groups.length > limit
    ? `${body}\n(${f.groups.length - limit} more groups: see the attached file, --group G or --json)`
    : body;
}

function groupDetail(g: GroupLag): string {
  const exact = g.partitions.some((p) => p.exact);
  const body = table(
    [
      'topic',
      'partition',
      'committed (source)',
      'translated (target)',
      'target end',
      'slack',
      'expected re-reads',
      ...(exact ? ['kdr exact', 'with kdr'] : []),
    ],
    g.partitions.map((p) => [
      p.topic,
      String(p.partition),
      String(p.sourceCommitted),
      num(p.translated),
      num(p.targetEnd),
      num(p.slack),
      num(p.expectedRereads),
      ...(exact ? [num(p.exact?.offset ?? null), num(p.exact?.rereads ?? null)] : []),
    ]),
  );
  const why = g.partitions
    .filter((p) => p.exact && !p.exact.proven)
    .map((p) => `  ${p.topic}-${p.partition}: MM2's figure kept: ${p.exact!.reason}`);
  return why.length ? `${body}\n${why.join('\n')}` : body;
}

function flowHeadline(f: FlowLag): string {
  const t = f.totals;
  return `${f.name} (${f.source} -> ${f.target}): ${t.lagRecords} records behind across ${t.partitions} partitions, max ${ms(t.maxLagMs)}; ${t.groups} groups; positions from ${f.replicationSource}`;
}

function flowText(f: FlowLag, partitionLimit: number, groupLimit: number, detail: boolean): string {
  const parts = [
    flowHeadline(f),
    '',
    partitionTable(f, partitionLimit),
    '',
    f.groups.length
      ? groupTable(f, groupLimit)
      : 'no consumer groups of this flow have committed on the source',
  ];
  if (detail) for (const g of f.groups) parts.push('', `group ${g.group}:`, groupDetail(g));
  if (f.unmirroredTopics.length) parts.push('', `not mirrored: ${f.unmirroredTopics.join(', ')}`);
  if (f.problems.length) parts.push('', 'Problems:', ...f.problems.map((p) => `  - ${p}`));
  return parts.join('\n');
}

const SLACK_PARTITIONS = 10;
const SLACK_GROUPS = 15;

export const lagView: View<LagReport> = {
  attachment: (r) =>
    r.flows.some((f) => f.partitions.length > SLACK_PARTITIONS || f.groups.length > SLACK_GROUPS)
      ? {
          filename: 'kdr-lag.txt',
          title: 'kdr lag: every partition and group',
          content: r.flows
            .map((f) => flowText(f, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, true))
            .join('\n\n'),
        }
      : undefined,
  summary: (r) =>
    r.flows
      .map((f) =>
        f.totals.partitions === 0
          ? `kdr lag ${f.name}: no source topics in the flow yet`
          : `kdr lag ${f.name}: ${f.totals.lagRecords} records behind, max ${ms(f.totals.maxLagMs)}, ${f.totals.groups} groups`,
      )
      .join('; ') || 'kdr lag: no flows configured',
  text: (r) =>
    r.flows.map((f) => flowText(f, 50, 50, f.groups.length === 1)).join('\n\n') || 'no flows configured',
  blocks(r) {
    const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: 'kdr lag' } }];
    for (const f of r.flows) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${flowHeadline(f)}*` } });
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: `\`\`\`${partitionTable(f, SLACK_PARTITIONS)}\`\`\`` },
      });
      if (f.groups.length)
        blocks.push({
          type: 'section',
          text: { type: 'mrkdwn', text: `\`\`\`${groupTable(f, SLACK_GROUPS)}\`\`\`` },
        });
      const notes = [
        ...(f.unmirroredTopics.length ? [`not mirrored: ${f.unmirroredTopics.slice(0, 10).join(', ')}`] : []),
        ...f.problems,
      ];
      if (notes.length)
        blocks.push({
          type: 'context',
          elements: notes.slice(0, 10).map((n) => ({ type: 'mrkdwn', text: n.slice(0, 300) })),
        });
    }
    return blocks;
  },
};
