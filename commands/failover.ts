import { z } from 'zod';
import type { Block, CommandContext, CommandSpec } from '../src/core/command.js';
import { runText } from '../src/runbook/run-text.js';
import { startRun } from '../src/runbook/start-run.js';
import type { Run } from '../src/runbook/types.js';

const args = z.object({
  positionals: z.array(z.string().min(1)).length(1, 'expected one flow (see `kdr status`)'),
  unplanned: z.boolean().optional(),
  drill: z.boolean().optional(),
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
      mode: a.unplanned ? 'unplanned' : 'planned',
      drill: Boolean(a.drill),
      groups: a.groups ? a.groups.split(',') : [],
    },
    Boolean(a.yes),
  );

export const failover: CommandSpec<Args, Run> = {
  name: 'failover',
  summary:
    'opens the staged failover runbook of a flow: each step planned, approved in the incident channel, executed once, measured',
  usage: 'failover <flow> [--unplanned] [--drill] [--groups g1,g2] [--yes] [--json]',
  examples: [
    'failover primary-to-dr',
    'failover primary-to-dr --unplanned',
    'failover primary-to-dr --drill --groups orders-app',
  ],
  options: {
    unplanned: { type: 'boolean' },
    drill: { type: 'boolean' },
    groups: { type: 'string' },
    yes: { type: 'boolean' },
  },
  args,
  mutates: true,
  run,
  view: {
    text: runText,
    summary: (r) => `${r.drill ? '[drill] ' : ''}failover of ${r.flow}: run ${r.run} ${r.state}`,
    blocks: (r): Block[] => [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:rotating_light: run \`${r.run}\` (${r.mode} failover of ${r.flow}) opened${r.channel ? ` in <#${r.channel}>` : ''}: each step is approved there. \`/kdr runbook ${r.run}\` shows it.`,
        },
      },
    ],
  },
};
