import { z } from 'zod';
import { gatherDrift } from '../src/backup/drift-gather.js';
import { findFlow } from '../src/config/find-flow.js';
import type { CommandSpec } from '../src/core/command.js';
import { type DriftResult, driftView } from '../src/render/drift-view.js';

const args = z.object({ positionals: z.array(z.string().min(1)).max(1, 'expected at most one flow') });

/** Compares each flow's source and target through its naming policy. */
export const drift: CommandSpec<z.infer<typeof args>, DriftResult> = {
  name: 'drift',
  summary:
    'compares source and target of a flow: unmirrored topics, partition counts, topic configs, topic ACLs',
  usage: 'drift [flow]',
  examples: ['drift', 'drift primary-to-dr'],
  options: {},
  args,
  mutates: false,
  run: async (ctx, a) => {
    const flows = a.positionals[0] ? [findFlow(ctx.config, a.positionals[0])] : ctx.config.flows;
    return { reports: await Promise.all(flows.map((f) => gatherDrift(ctx.config, ctx.log, f))) };
  },
  view: driftView,
};
