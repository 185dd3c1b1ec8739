import { z } from 'zod';
import { approvalView } from '../src/approval/approval-view.js';
import type { StoredPlan } from '../src/approval/plan-store.js';
import type { Block, CommandSpec } from '../src/core/command.js';
import { KdrError } from '../src/core/errors.js';
import { dispatchChange } from '../src/pipeline/dispatch-change.js';
import { abortChange } from '../src/runbook/run-control.js';
import { runText } from '../src/runbook/run-text.js';
import type { Run } from '../src/runbook/types.js';

const args = z.object({
  positionals: z.array(z.string().min(1)).length(1, 'expected one run (see `kdr runbook`)'),
  yes: z.boolean().optional(),
  json: z.boolean().optional(),
});
type Result = { kind: 'aborted'; run: Run } | { kind: 'approval'; plan: StoredPlan };

export const abort: CommandSpec<z.infer<typeof args>, Result> = {
  name: 'abort',
  summary:
    'aborts a run: undoes what its steps did (connectors resumed, writes allowed, offsets put back), after approval',
  usage: 'abort <run> [--yes]',
  examples: ['abort r-1a2b3c4d'],
  options: { yes: { type: 'boolean' } },
  args,
  mutates: true,
  run: async (ctx, a) => {
    if (!ctx.runbook)
      throw new KdrError('KDR_INTERNAL', 'this process cannot abort runs', { hint: 'use `kdr abort`' });
    const d = await ctx.runbook();
    const out = await dispatchChange(
      ctx,
      abortChange(d),
      { run: a.positionals[0]! },
      { yes: Boolean(a.yes) },
    );
    if (out.kind === 'approval') return { kind: 'approval', plan: out.stored };
    if (out.kind !== 'applied')
      throw new KdrError('KDR_RUN_STATE', 'nothing to abort', { hint: 'see `kdr runbook`' });
    return { kind: 'aborted', run: out.applied.data as Run };
  },
  view: {
    text: (r) => (r.kind === 'approval' ? approvalView.text(r.plan) : runText(r.run)),
    summary: (r) => (r.kind === 'approval' ? approvalView.summary(r.plan) : `run ${r.run.run} aborted`),
    blocks: (r): Block[] =>
      r.kind === 'approval'
        ? approvalView.blocks(r.plan)
        : [
            {
              type: 'section',
              text: { type: 'mrkdwn', text: `\`\`\`${runText(r.run).slice(0, 2900)}\`\`\`` },
            },
          ],
  },
};
