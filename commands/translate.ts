import { join } from 'node:path';
import { z } from 'zod';
import { AuditLog } from '../src/audit/audit-log.js';
import { findFlow } from '../src/config/find-flow.js';
import type { Config, FlowConfig } from '../src/config/load.js';
import type { CommandContext, CommandSpec, View } from '../src/core/command.js';
import { parseDuration } from '../src/core/duration.js';
import { KdrError } from '../src/core/errors.js';
import { connectRedis, redisPrefix } from '../src/queue/redis-ready.js';
import { commitView, planText, translationView, validationView } from '../src/render/translate-view.js';
import { CheckpointIndex } from '../src/translate/checkpoint-index.js';
import { type CommitResult, cliActor, commitTranslation } from '../src/translate/commit.js';
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
  | ({ kind: 'validation' } & LagValidation);

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
  if (a.commit && ctx.caller.transport !== 'cli')
    throw new KdrError(
      'KDR_NEEDS_APPROVAL',
      'offset commits from Slack need the approval buttons, which are not built yet',
      {
        hint: 'run `kdr translate <group> --commit` from a terminal (it asks for confirmation, locks the group and writes the audit trail)',
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

const view: View<TranslateResult> = {
  text: (d) =>
    d.kind === 'translation'
      ? translationView.text(d)
      : d.kind === 'commit'
        ? commitView.text(d)
        : validationView.text(d),
  blocks: (d) =>
    d.kind === 'translation'
      ? translationView.blocks(d)
      : d.kind === 'commit'
        ? commitView.blocks(d)
        : validationView.blocks(d),
  summary: (d) =>
    d.kind === 'translation'
      ? translationView.summary(d)
      : d.kind === 'commit'
        ? commitView.summary(d)
        : validationView.summary(d),
  attachment: (d) => (d.kind === 'translation' ? translationView.attachment?.(d) : undefined),
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
