import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import { findFlow } from '../src/config/find-flow.js';
import type { Config } from '../src/config/load.js';
import type { Block, CommandSpec } from '../src/core/command.js';
import { formatDuration } from '../src/core/duration.js';
import { KdrError } from '../src/core/errors.js';
import { table } from '../src/render/table.js';
import { buildReport, type RunReport } from '../src/runbook/report-schema.js';
import { controlRun } from '../src/runbook/run-control.js';
import { runText } from '../src/runbook/run-text.js';
import type { Run } from '../src/runbook/types.js';

const args = z.object({
  positionals: z
    .array(z.string().min(1))
    .max(2, 'expected `runbook`, `runbook <run>` or `runbook <run> pause|resume|retry|skip`')
    .refine(
      (p) => p.length < 2 || ['pause', 'resume', 'retry', 'skip'].includes(p[1]!),
      'expected pause, resume, retry or skip after the run',
    ),
  json: z.boolean().optional(),
  history: z.boolean().optional(),
  flow: z.string().min(1).optional(),
});

export interface RunListItem {
  run: string;
  flow: string;
  kind: string;
  mode: string;
  drill: boolean;
  state: string;
  startedAt: string;
  endedAt?: string;
  rtoMs?: number;
  rpoRecords?: number;
  /** met | missed | incomplete (see schemas/run-report.schema.json); absent while the run goes on. */
  verdict?: string;
  rtoTargetMs?: number;
}
type Result =
  | { kind: 'list'; runs: RunListItem[]; history?: boolean; trend?: string[] }
  | { kind: 'run'; run: Run };

const ENDED = new Set(['completed', 'aborted', 'failed']);

function listItem(config: Config, r: Run): RunListItem {
  let report: RunReport | undefined;
  try {
    if (ENDED.has(r.state)) report = buildReport(r, findFlow(config, r.flow));
  } catch {
    // a flow no longer configured: listed without a verdict
  }
  return {
    run: r.run,
    flow: r.flow,
    kind: r.kind,
    mode: r.mode,
    drill: r.drill,
    state: r.state,
    startedAt: r.startedAt,
    ...(r.endedAt ? { endedAt: r.endedAt } : {}),
    ...(r.measurements.rtoMs !== undefined ? { rtoMs: r.measurements.rtoMs } : {}),
    ...(r.measurements.rpoRecords !== undefined ? { rpoRecords: r.measurements.rpoRecords } : {}),
    ...(report ? { verdict: report.verdict, rtoTargetMs: report.targets.rtoMs } : {}),
  };
}

/** Per flow and kind, the RTO of its completed runs oldest → newest: the trend a team practises for. */
function trendLines(runs: RunListItem[]): string[] {
  const by = new Map<string, RunListItem[]>();
  for (const r of [...runs].reverse())
    if (r.state === 'completed' && r.rtoMs !== undefined) {
      const k = `${r.kind} of ${r.flow}`;
      by.set(k, [...(by.get(k) ?? []), r]);
    }
  return [...by].map(
    ([k, rs]) =>
      `RTO of ${k} (${rs.length} run(s), oldest → newest): ${rs.map((r) => `${formatDuration(r.rtoMs!)}${r.drill ? ' (drill)' : ''}`).join(' → ')}`,
  );
}

const listText = (runs: RunListItem[], trend?: string[]) =>
  runs.length
    ? (trend?.length ? `${trend.join('\n')}\n\n` : '') +
      table(
        ['run', 'flow', 'kind', 'drill', 'state', 'started', 'RTO', 'RPO', 'verdict'],
        runs.map((r) => [
          r.run,
          r.flow,
          `${r.mode} ${r.kind}`,
          r.drill ? 'yes' : '',
          r.state,
          r.startedAt,
          r.rtoMs === undefined ? '' : formatDuration(r.rtoMs),
          r.rpoRecords === undefined ? '' : String(r.rpoRecords),
          r.verdict === undefined
            ? ''
            : `${r.verdict}${r.rtoTargetMs !== undefined ? ` (target ${formatDuration(r.rtoTargetMs)})` : ''}`,
        ]),
      )
    : 'no runs yet';

export const runbook: CommandSpec<z.infer<typeof args>, Result> = {
  name: 'runbook',
  summary:
    'lists runs (failovers, drills) with their RTO and RPO; `runbook <run>` shows one; pause, resume or retry a run, or skip its optional step',
  usage: 'runbook [--history] [--flow F] [--json] | runbook <run> [pause|resume|retry|skip]',
  examples: [
    'runbook',
    'runbook --history --flow primary-to-dr',
    'runbook r-1a2b3c4d',
    'runbook r-1a2b3c4d pause',
  ],
  options: { history: { type: 'boolean' }, flow: { type: 'string' } },
  args,
  mutates: true,
  run: async (ctx, a) => {
    if (!ctx.runbook)
      throw new KdrError('KDR_INTERNAL', 'this process cannot read runs', { hint: 'use `kdr runbook`' });
    const d = await ctx.runbook();
    const [id, action] = a.positionals;
    if (!id) {
      if (a.flow) findFlow(d.config, a.flow);
      const runs = (await d.runs.list(a.history ? 500 : 50))
        .filter((r) => !a.flow || r.flow === a.flow)
        .filter((r) => !a.history || ENDED.has(r.state))
        .map((r) => listItem(d.config, r));
      return {
        kind: 'list',
        runs,
        ...(a.history ? { history: true, trend: trendLines(runs) } : {}),
      };
    }
    if (!action) {
      const run = await d.runs.get(id);
      if (!run)
        throw new KdrError('KDR_NO_SUCH_RUN', `no run ${id}`, { hint: 'see `kdr runbook` for the runs' });
      return { kind: 'run', run };
    }
    const actor =
      ctx.caller.transport === 'cli'
        ? { transport: 'cli' as const, user: `cli:${userInfo().username}@${hostname()}`, via: 'break-glass' }
        : { transport: 'slack' as const, user: ctx.caller.userId ?? 'unknown' };
    return {
      kind: 'run',
      run: await controlRun(d, id, action as 'pause' | 'resume' | 'retry' | 'skip', actor),
    };
  },
  view: {
    text: (r) => (r.kind === 'list' ? listText(r.runs, r.trend) : runText(r.run)),
    summary: (r) => (r.kind === 'list' ? `${r.runs.length} run(s)` : `run ${r.run.run}: ${r.run.state}`),
    blocks: (r): Block[] => [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `\`\`\`${(r.kind === 'list' ? listText(r.runs, r.trend) : runText(r.run)).slice(0, 2900)}\`\`\``,
        },
      },
    ],
  },
};
