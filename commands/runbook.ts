import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import type { Block, CommandSpec } from '../src/core/command.js';
import { formatDuration } from '../src/core/duration.js';
import { KdrError } from '../src/core/errors.js';
import { table } from '../src/render/table.js';
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
}
type Result = { kind: 'list'; runs: RunListItem[] } | { kind: 'run'; run: Run };

const listText = (runs: RunListItem[]) =>
  runs.length
    ? table(
        ['run', 'flow', 'kind', 'drill', 'state', 'started', 'RTO', 'RPO'],
        runs.map((r) => [
          r.run,
          r.flow,
          `${r.mode} ${r.kind}`,
          r.drill ? 'yes' : '',
          r.state,
          r.startedAt,
          r.rtoMs === undefined ? '' : formatDuration(r.rtoMs),
          r.rpoRecords === undefined ? '' : String(r.rpoRecords),
        ]),
      )
    : 'no runs yet';

export const runbook: CommandSpec<z.infer<typeof args>, Result> = {
  name: 'runbook',
  summary:
    'lists runs (failovers, drills) with their RTO and RPO; `runbook <run>` shows one; pause, resume or retry a run, or skip its optional step',
  usage: 'runbook [run] [pause|resume|retry|skip] [--json]',
  examples: ['runbook', 'runbook r-1a2b3c4d', 'runbook r-1a2b3c4d pause'],
  options: {},
  args,
  mutates: true,
  run: async (ctx, a) => {
    if (!ctx.runbook)
      throw new KdrError('KDR_INTERNAL', 'this process cannot read runs', { hint: 'use `kdr runbook`' });
    const d = await ctx.runbook();
    const [id, action] = a.positionals;
    if (!id)
      return {
        kind: 'list',
        runs: (await d.runs.list()).map((r) => ({
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
        })),
      };
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
    text: (r) => (r.kind === 'list' ? listText(r.runs) : runText(r.run)),
    summary: (r) => (r.kind === 'list' ? `${r.runs.length} run(s)` : `run ${r.run.run}: ${r.run.state}`),
    blocks: (r): Block[] => [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `\`\`\`${(r.kind === 'list' ? listText(r.runs) : runText(r.run)).slice(0, 2900)}\`\`\``,
        },
      },
    ],
  },
};
