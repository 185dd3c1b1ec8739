import { z } from 'zod';
import type { CommandSpec } from '../src/core/command.js';
import { gatherStatus, type StatusReport } from '../src/health/status.js';
import { statusView } from '../src/render/status-view.js';

const args = z.object({
  positionals: z.array(z.string()).max(1, 'expected at most one flow name'),
  json: z.boolean().optional(),
});

export const status: CommandSpec<z.infer<typeof args>, StatusReport> = {
  name: 'status',
  summary: 'cluster and replication health',
  usage: 'status [flow] [--json]',
  examples: ['status', 'status primary-to-dr', 'status --json'],
  options: {},
  args,
  mutates: false,
  run: (ctx, a) => gatherStatus(ctx.config, a.positionals[0], ctx.log),
  view: statusView,
};
