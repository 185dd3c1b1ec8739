import { z } from 'zod';
import { approvalView } from '../src/approval/approval-view.js';
import type { StoredPlan } from '../src/approval/plan-store.js';
import { findFlow } from '../src/config/find-flow.js';
import type { Config, FlowConfig } from '../src/config/load.js';
import type { CommandContext, CommandSpec, View } from '../src/core/command.js';
import { parseDuration } from '../src/core/duration.js';
import { KdrError } from '../src/core/errors.js';
import { dispatchChange } from '../src/pipeline/dispatch-change.js';
import {
  type CommitOutcome,
  commitView,
  translationView,
  validationView,
} from '../src/render/translate-view.js';
import { gatherTranslation } from '../src/translate/gather.js';
import { offsetsArgs, offsetsChange } from '../src/translate/offsets-change.js';
import type { TranslationReport } from '../src/translate/types.js';
import { type LagValidation, validateGroupLag } from '../src/translate/validate.js';

const args = z
  .object({
    positionals: z.array(z.string().min(1)),
    flow: z.string().min(1, 'expected a flow name').optional(),
    all: z.boolean().optional(),
    json: z.boolean().optional(),
    from: z.enum(['auto', 'index', 'scan'], { message: 'expected auto, index or scan' }).optional(),
    failback: z.boolean().optional(),
    exact: z.boolean().optional(),
    commit: z.boolean().optional(),
    yes: z.boolean().optional(),
    'allow-rewind': z.boolean().optional(),
    'accept-stale': z.boolean().optional(),
    verify: z.boolean().optional(),
    window: z
      .string()
      .refine((s) => (parseDuration(s) ?? 0) >= 1000, 'expected a duration of at least 1s, like 10s or 1m')
      .optional(),
    samples: z
      .string()
      .regex(/^([2-9]|[1-5]\d|60)$/, 'expected a number of samples from 2 to 60')
      .optional(),
  })
  .refine((a) => a.all || a.positionals.length > 0, 'name at least one consumer group, or --all')
  .refine((a) => !(a.all && a.positionals.length), 'either groups or --all, not both')
  .refine((a) => !a.verify || (a.positionals.length === 1 && !a.all), '--verify takes exactly one group')
  .refine(
    (a) => !(a.exact && a.failback),
    '--exact proves failover translations; a failback inverts the forward syncs (see `translate --failback`)',
  )
  .refine(
    (a) => !(a.commit && a.verify),
    '--commit and --verify are separate steps: commit, start the consumers, then verify',
  )
  .refine(
    (a) => a.commit || !(a.yes || a['allow-rewind'] || a['accept-stale']),
    '--yes, --allow-rewind and --accept-stale only apply with --commit',
  );

type Args = z.infer<typeof args>;
export type TranslateResult =
  | ({ kind: 'translation' } & TranslationReport)
  | ({ kind: 'commit' } & CommitOutcome)
  | ({ kind: 'validation' } & LagValidation)
  | { kind: 'approval'; plan: StoredPlan };

function pickFlow(config: Config, name: string | undefined): FlowConfig {
  if (name) return findFlow(config, name);
  if (config.flows.length === 1) return config.flows[0]!;
  throw new KdrError('KDR_USAGE', `${config.flows.length} flows are configured: name one with --flow`, {
    hint: `flows: ${config.flows.map((f) => f.name).join(', ') || '(none)'}`,
  });
}

async function run(ctx: CommandContext, a: Args): Promise<TranslateResult> {
  const flow = pickFlow(ctx.config, a.flow);
  const failback = Boolean(a.failback);
  if (a.verify) {
    const cluster = failback ? flow.source : flow.target;
    const v = await validateGroupLag(
      cluster,
      ctx.config.clusters[cluster]!,
      a.positionals[0]!,
      parseDuration(a.window ?? '10s')!,
      Number(a.samples ?? 5),
      ctx.log,
    );
    return { kind: 'validation', ...v };
  }
  if (a.commit) return commit(ctx, flow, a);
  // A dry run works without Redis (it scans the checkpoints topic); with it, it reads the worker's index.
  const ports = await ctx.ports?.().catch(() => undefined);
  const report = await gatherTranslation(ctx.config, ctx.log, {
    flow,
    groups: a.positionals,
    all: Boolean(a.all),
    from: a.from ?? 'auto',
    failback,
    exact: Boolean(a.exact),
    ...(ports?.checkpointIndex ? { index: ports.checkpointIndex } : {}),
    // the source gone: the worker's stored proofs stand in for a live one
    ...(a.exact && ports?.proofs ? { proofs: await ports.proofs.all(flow.name).catch(() => new Map()) } : {}),
  });
  return { kind: 'translation', ...report };
}

/** `--commit`: one plan for every named group (or `--all`), through the pipeline (approval or confirmation). */
async function commit(ctx: CommandContext, flow: FlowConfig, a: Args): Promise<TranslateResult> {
  const change = offsetsArgs.parse({
    flow: flow.name,
    groups: a.positionals,
    all: Boolean(a.all),
    failback: Boolean(a.failback),
    allowRewind: Boolean(a['allow-rewind']),
    acceptStale: Boolean(a['accept-stale']),
    from: a.from ?? 'auto',
    exact: Boolean(a.exact),
  });
  const r = await dispatchChange(ctx, offsetsChange, change, { yes: Boolean(a.yes) });
  if (r.kind === 'approval') return { kind: 'approval', plan: r.stored };
  const out: CommitOutcome = {
    plan: r.plan.body as CommitOutcome['plan'],
    hash: r.plan.hash,
    text: r.plan.text,
    translation: r.plan.view as TranslationReport,
    outcome: r.kind === 'unchanged' ? 'unchanged' : (r.applied.outcome as CommitOutcome['outcome']),
    applied: r.kind === 'applied' && r.applied.ok,
    verified: r.kind === 'unchanged' || r.applied.verified,
    durationMs: r.kind === 'applied' ? r.durationMs : 0,
    authorisedBy: r.kind === 'applied' ? r.authorisedBy : 'nothing to change',
    ...(r.kind === 'applied' ? { result: r.applied.text } : {}),
  };
  if (r.kind === 'applied' && !r.applied.ok)
    throw new KdrError('KDR_VERIFY_FAILED', r.applied.text, {
      hint: 'run `kdr translate` again to see the state now; groups already written are not written again',
    });
  return { kind: 'commit', ...out };
}

/** Each result kind has its view; `--json` prints the result itself. */
function pick(d: TranslateResult): { view: View<never>; data: unknown } {
  switch (d.kind) {
    case 'translation':
      return { view: translationView as View<never>, data: d };
    case 'commit':
      return { view: commitView as View<never>, data: d };
    case 'validation':
      return { view: validationView as View<never>, data: d };
    case 'approval':
      return { view: approvalView as View<never>, data: d.plan };
  }
}

const view: View<TranslateResult> = {
  text: (d) => {
    const p = pick(d);
    return p.view.text(p.data as never);
  },
  blocks: (d) => {
    const p = pick(d);
    return p.view.blocks(p.data as never);
  },
  summary: (d) => {
    const p = pick(d);
    return p.view.summary(p.data as never);
  },
  attachment: (d) => {
    const p = pick(d);
    return p.view.attachment?.(p.data as never);
  },
};

export const translate: CommandSpec<Args, TranslateResult> = {
  name: 'translate',
  summary:
    "consumer offsets on the other cluster, exactly as MM2's checkpoints define them; --commit writes them",
  usage:
    'translate <group…|--all> [--flow F] [--from auto|index|scan] [--exact | --failback] [--json] | translate <group…|--all> --commit [--yes] [--allow-rewind] [--accept-stale] | translate <group> --verify [--window 10s] [--samples 5]',
  examples: [
    'translate orders-app',
    'translate --all --flow primary-to-dr',
    'translate orders-app --exact',
    'translate orders-app --commit',
    'translate --all --commit --flow primary-to-dr',
    'translate orders-app --verify --window 30s',
    'translate orders-app --failback',
  ],
  options: {
    flow: { type: 'string' },
    all: { type: 'boolean' },
    from: { type: 'string' },
    failback: { type: 'boolean' },
    exact: { type: 'boolean' },
    commit: { type: 'boolean' },
    yes: { type: 'boolean' },
    'allow-rewind': { type: 'boolean' },
    'accept-stale': { type: 'boolean' },
    verify: { type: 'boolean' },
    window: { type: 'string' },
    samples: { type: 'string' },
  },
  args,
  mutates: true,
  changes: [offsetsChange],
  run,
  view,
};
