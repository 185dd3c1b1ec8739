import { userInfo } from 'node:os';
import { z } from 'zod';
import type { Block, CommandContext, CommandSpec } from '../src/core/command.js';
import { KdrError } from '../src/core/errors.js';
import { cliActor } from '../src/pipeline/actors.js';
import { advance, openRun } from '../src/runbook/engine.js';
import { runText } from '../src/runbook/run-text.js';
import { driveInTerminal } from '../src/runbook/terminal.js';
import type { Run } from '../src/runbook/types.js';

const args = z.object({
  positionals: z.array(z.string().min(1)).length(1, 'expected one flow (see `kdr status`)'),
  drill: z.boolean().optional(),
  orphans: z
    .enum(['keep'], {
      message: 'expected --orphans keep (records written to the old primary after the freeze stay there)',
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

async function run(ctx: CommandContext, a: Args): Promise<Run> {
  if (!ctx.runbook)
    throw new KdrError('KDR_INTERNAL', 'this process cannot run a runbook', {
      hint: 'use /kdr failback or `kdr failback`',
    });
  const d = await ctx.runbook();
  const cli = ctx.caller.transport === 'cli';
  const opened = await openRun(d, {
    flow: a.positionals[0]!,
    kind: 'failback',
    mode: 'planned',
    drill: Boolean(a.drill),
    groups: a.groups ? a.groups.split(',') : [],
    ...(a.orphans ? { orphans: a.orphans } : {}),
    requester: ctx.caller.userId ?? `cli:${userInfo().username}`,
    transport: cli ? 'cli' : 'slack',
  });
  if (!cli) return advance(d, opened.run);
  return driveInTerminal(d, opened.run, {
    actor: cliActor(a.yes ? 'cli --yes' : 'cli confirmation'),
    yes: Boolean(a.yes),
    ...(ctx.confirm ? { confirm: ctx.confirm } : {}),
  });
}

export const failback: CommandSpec<Args, Run> = {
  name: 'failback',
  summary:
    'opens the failback runbook of a failed-over flow: reverse MM2 flow, catch-up, then the failover steps back to the primary, and forward replication restored',
  usage: 'failback <flow> [--orphans keep] [--drill] [--groups g1,g2] [--yes] [--json]',
  examples: [
    'failback primary-to-dr',
    'failback primary-to-dr --orphans keep',
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
