import { z } from 'zod';
import type { Block, CommandContext, CommandSpec } from '../src/core/command.js';
import { runText } from '../src/runbook/run-text.js';
import { startRun } from '../src/runbook/start-run.js';
import type { Run } from '../src/runbook/types.js';

const args = z.object({
  positionals: z.array(z.string().min(1)).length(1, 'expected one flow (see `kdr status`)'),
  drill: z.boolean().optional(),
  orphans: z
    .enum(['keep', 'rebuild'], {
      message:
        'expected --orphans keep (records written to the old primary after the freeze stay there) or --orphans rebuild (the topics they are in are rebuilt from DR, the records saved to a file)',
    })
    .optional(),
  groups: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$/, 'expected a comma-separated list of consumer groups')
    .optional(),
  yes: z.boolean().optional(),
  json: z.boolean().optional(),
});
type Args = z.infer<typeof args>;

const run = (ctx: CommandContext, a: Args): Promise<Run> =>
  startRun(
    ctx,
    {
      flow: a.positionals[0]!,
      kind: 'failback',
      mode: 'planned',
      drill: Boolean(a.drill),
      groups: a.groups ? a.groups.split(',') : [],
      ...(a.orphans ? { orphans: a.orphans } : {}),
    },
    Boolean(a.yes),
  );

export const failback: CommandSpec<Args, Run> = {
  name: 'failback',
  summary:
    'opens the failback runbook of a failed-over flow: reverse MM2 flow, catch-up, then the failover steps back to the primary, and forward replication restored',
  usage: 'failback <flow> [--orphans keep|rebuild] [--drill] [--groups g1,g2] [--yes] [--json]',
  examples: [
    'failback primary-to-dr',
    'failback primary-to-dr --orphans keep',
    'failback primary-to-dr --orphans rebuild',
    'failback primary-to-dr --drill',
  ],
  options: {
    drill: { type: 'boolean' },
    orphans: { type: 'string' },
    groups: { type: 'string' },
    yes: { type: 'boolean' },
  },
  args,
  mutates: true,
  run,
  view: {
    text: runText,
    summary: (r) => `${r.drill ? '[drill] ' : ''}failback of ${r.flow}: run ${r.run} ${r.state}`,
    blocks: (r): Block[] => [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:arrows_counterclockwise: run \`${r.run}\` (failback of ${r.flow}, undoing ${r.options?.failoverRun ?? '?'}) opened${r.channel ? ` in <#${r.channel}>` : ''}: each step is approved there. \`/kdr runbook ${r.run}\` shows it.`,
        },
      },
    ],
  },
};
