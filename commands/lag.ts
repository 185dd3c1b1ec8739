import { z } from 'zod';
import type { CommandSpec } from '../src/core/command.js';
import { gatherLag, type LagReport } from '../src/health/lag.js';
import { lagView } from '../src/render/lag-view.js';

const args = z.object({
  positionals: z.array(z.string()).max(1, 'expected at most one flow name'),
  group: z.string().min(1, 'expected a consumer group id').optional(),
  json: z.boolean().optional(),
  exact: z.boolean().optional(),
});

export const lag: CommandSpec<z.infer<typeof args>, LagReport> = {
  name: 'lag',
  summary: 'replication lag per partition; per group: source lag, translated position, slack, re-reads',
  usage: 'lag [flow] [--group G] [--exact] [--json]',
  examples: [
    'lag',
    'lag primary-to-dr',
    'lag primary-to-dr --group orders-app',
    'lag primary-to-dr --exact',
    'lag --json',
  ],
  options: { group: { type: 'string' }, exact: { type: 'boolean' } },
  args,
  mutates: false,
  run: (ctx, a) =>
    gatherLag(ctx.config, ctx.log, {
      flow: a.positionals[0],
      group: a.group,
      groupStatus: ctx.groupStatus,
      ...(a.exact ? { exact: true } : {}),
    }),
  view: lagView,
};
