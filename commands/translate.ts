import { join } from 'node:path';
import { z } from 'zod';
import type { StoredPlan } from '../src/approval/plan-store.js';
import { AuditLog } from '../src/audit/audit-log.js';
import { findFlow } from '../src/config/find-flow.js';
import type { Config, FlowConfig } from '../src/config/load.js';
import type { CommandContext, CommandSpec, View } from '../src/core/command.js';
import { parseDuration } from '../src/core/duration.js';
import { KdrError } from '../src/core/errors.js';
import { connectRedis, redisPrefix } from '../src/queue/redis-ready.js';
import {
  approvalView,
  commitView,
  planText,
  translationView,
  validationView,
} from '../src/render/translate-view.js';
import { CheckpointIndex } from '../src/translate/checkpoint-index.js';
import { type CommitResult, cliActor, commitTranslation } from '../src/translate/commit.js';
import { planCommit } from '../src/translate/commit-plan.js';
import { gatherTranslation } from '../src/translate/gather.js';
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
  .refine(
    (a) => !(a.commit || a.verify) || (a.positionals.length === 1 && !a.all),
    '--commit and --verify take exactly one group',
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
  | ({ kind: 'commit' } & CommitResult)
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
  if (a.commit && ctx.caller.transport !== 'cli' && !ctx.requestApproval)
    throw new KdrError(
      'KDR_NEEDS_APPROVAL',
      'offset commits need an approval, and this process cannot ask for one',
      {
        hint: 'use /kdr in Slack (Approve/Reject buttons) or `kdr translate <group> --commit` in a terminal',
      },
    );
  const prefix = redisPrefix(ctx.prefix);
  // A dry run works without Redis (it scans); a commit needs it for the lock and the audit trail.
  const redis = a.commit
    ? await connectRedis(ctx.config.redis.url)
    : await connectRedis(ctx.config.redis.url, 500).catch(() => undefined);
  try {
    const index = redis ? new CheckpointIndex(redis, prefix) : undefined;
    const translate = (groups: string[]) =>
      gatherTranslation(ctx.config, ctx.log, {
        flow,
        groups,
        all: Boolean(a.all),
        from: a.from ?? 'auto',
        failback,
        ...(index ? { index } : {}),
      });
    if (!a.commit) return { kind: 'translation', ...(await translate(a.positionals)) };
    const group = a.positionals[0]!;
    const options = { allowRewind: Boolean(a['allow-rewind']), acceptStale: Boolean(a['accept-stale']) };
    if (ctx.caller.transport !== 'cli')
      return requestApproval(ctx, flow.name, failback, group, options, await translate([group]));
    const result = await commitTranslation(
      {
        config: ctx.config,
        log: ctx.log,
        redis: redis!,
        prefix,
        audit: new AuditLog(redis!, prefix, join(ctx.config.dataDir, 'audit.jsonl')),
        actor: cliActor(a.yes ? 'cli --yes' : 'cli confirmation'),
        target: {
          flow: flow.name,
          cluster: failback ? flow.source : flow.target,
          direction: failback ? 'failback' : 'failover',
        },
        translate: () => translate([group]),
        ...(ctx.confirm ? { confirm: ctx.confirm } : {}),
        yes: Boolean(a.yes),
        render: planText,
      },
      group,
      { allowRewind: Boolean(a['allow-rewind']), acceptStale: Boolean(a['accept-stale']) },
    );
    return { kind: 'commit', ...result };
  } finally {
    redis?.disconnect();
  }
}

/** From Slack: the plan goes to the channel with Approve/Reject buttons; the worker executes it once approved. */
async function requestApproval(
  ctx: CommandContext,
  flow: string,
  failback: boolean,
  group: string,
  options: { allowRewind: boolean; acceptStale: boolean },
  report: TranslationReport,
): Promise<TranslateResult> {
  const { plan, refusals } = planCommit(report, report.groups[0]!, options);
  if (refusals.length)
    throw new KdrError(refusals[0]!.code, refusals.map((r) => r.message).join('; '), {
      hint: refusals.map((r) => r.hint).join('; '),
    });
  if (plan.changes.length === 0)
    return {
      kind: 'commit',
      plan,
      translation: report,
      outcome: 'unchanged',
      verified: true,
      durationMs: 0,
      authorisedBy: 'nothing to change',
    };
  const stored = await ctx.requestApproval!({
    id: plan.id,
    kind: 'translate.commit',
    resource: `translate:${flow}:${plan.cluster}:${group}`,
    subject: { flow, cluster: plan.cluster, group, direction: plan.direction },
    args: { flow, group, failback, ...options },
    hash: plan.hash,
    text: planText(plan),
  });
  return { kind: 'approval', plan: stored };
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
    'translate <group…|--all> [--flow F] [--from auto|index|scan] [--failback] [--json] | translate <group> --commit [--yes] [--allow-rewind] [--accept-stale] | translate <group> --verify [--window 10s] [--samples 5]',
  examples: [
    'translate orders-app',
    'translate --all --flow primary-to-dr',
    'translate orders-app --commit',
    'translate orders-app --verify --window 30s',
    'translate orders-app --failback',
  ],
  options: {
    flow: { type: 'string' },
    all: { type: 'boolean' },
    from: { type: 'string' },
    failback: { type: 'boolean' },
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
  run,
  view,
};
