import type { Block, View } from '../core/command.js';
import { formatDuration } from '../core/duration.js';
import type { FlowStatus, StatusReport } from '../health/status.js';
import type { ClusterSnapshot } from '../kafka/types.js';
import { table } from './table.js';

function clusterRow(c: ClusterSnapshot): string[] {
  if (!c.reachable) return [c.name, 'NO', '-', '-', '-', '-', '-', '-'];
  return [
    c.name,
    'yes',
    String(c.brokers),
    String(c.controller ?? '-'),
    String(c.topics),
    String(c.partitions),
    String(c.underReplicated),
    String(c.offline),
  ];
}

function connectorsLine(f: FlowStatus): string {
  if (f.mode === 'dedicated') return 'dedicated MM2 (observed through its topics)';
  return f.connectors
    .map((c) => {
      const running = c.tasks.filter((t) => t.state === 'RUNNING').length;
      const tasks = c.tasks.length
        ? `${running}/${c.tasks.length} tasks`
        : c.role === 'checkpoint'
          ? 'no task until a group matches'
          : '0 tasks';
      return `${c.role}=${c.state} (${tasks})`;
    })
    .join(', ');
}

function clusterTable(r: StatusReport): string {
  return table(
    ['cluster', 'reachable', 'brokers', 'controller', 'topics', 'partitions', 'under-replicated', 'offline'],
    r.clusters.map(clusterRow),
  );
}

function flowTable(r: StatusReport): string {
  return table(
    ['flow', 'direction', 'verdict', 'why', 'connectors'],
    r.flows.map((f) => [
      f.name,
      `${f.source} -> ${f.target}`,
      f.verdict.toUpperCase(),
      f.reason,
      connectorsLine(f),
    ]),
  );
}

function groupFreshness(r: StatusReport): string[] {
  return r.flows.flatMap((f) =>
    f.groups
      .filter((g) => g.checkpointLag > 0)
      .map(
        (g) =>
          `${f.name}: group ${g.group} has ${g.checkpointLag} committed record(s) not yet checkpointed (last checkpoint ${g.checkpointAgeMs === null ? 'never' : `${formatDuration(g.checkpointAgeMs)} ago`})`,
      ),
  );
}

function problems(r: StatusReport): string[] {
  return [
    ...r.clusters.filter((c) => !c.reachable).map((c) => `${c.name}: ${c.error}`),
    ...r.flows.flatMap((f) => f.problems.map((p) => `${f.name}: ${p}`)),
    ...groupFreshness(r),
  ];
}

function summary(r: StatusReport): string {
  const up = r.clusters.filter((c) => c.reachable).length;
  const down = r.clusters.filter((c) => !c.reachable).map((c) => c.name);
  const clusters = `${up}/${r.clusters.length} clusters reachable${down.length ? ` (UNREACHABLE: ${down.join(', ')})` : ''}`;
  const flows =
    r.flows.map((f) => `${f.name} ${f.verdict.toUpperCase()} (${f.reason})`).join('; ') ||
    'no flows configured';
  const issues = problems(r).length;
  return `kdr status: ${clusters}; ${flows}${issues ? `; ${issues} problem(s) listed` : ''}`;
}

const SLACK_PROBLEMS = 8;

export const statusView: View<StatusReport> = {
  summary,
  attachment: (r) =>
    problems(r).length > SLACK_PROBLEMS
      ? { filename: 'kdr-status.txt', title: 'kdr status: every problem', content: statusView.text(r) }
      : undefined,
  text(r) {
    const p = problems(r);
    return [
      clusterTable(r),
      '',
      r.flows.length ? flowTable(r) : 'no flows configured',
      ...(p.length ? ['', 'Problems:', ...p.map((x) => `  - ${x}`)] : []),
    ].join('\n');
  },
  blocks(r) {
    const p = problems(r);
    const blocks: Block[] = [
      { type: 'header', text: { type: 'plain_text', text: 'kdr status' } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Clusters*\n\`\`\`${clusterTable(r)}\`\`\`` } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Flows*\n\`\`\`${r.flows.length ? flowTable(r) : 'no flows configured'}\`\`\``,
        },
      },
    ];
    if (p.length) {
      const shown = p.slice(0, SLACK_PROBLEMS).map((x) => `• ${x}`);
      if (p.length > SLACK_PROBLEMS)
        shown.push(`… and ${p.length - SLACK_PROBLEMS} more in the attached file`);
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Problems*\n${shown.join('\n')}` } });
    }
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `generated ${r.generatedAt}` }] });
    return blocks;
  },
};
