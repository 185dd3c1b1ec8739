import { z } from 'zod';
import { planFromRequest, type RestoreOutcome, type RestoreRequest } from '../src/backup/restore-apply.js';
import { restoreChange } from '../src/backup/restore-change.js';
import { RESTORE_PARTS, type RestorePlan } from '../src/backup/restore-plan.js';
import { regex } from '../src/config/schema.js';
import type { CommandSpec } from '../src/core/command.js';
import { dispatchChange } from '../src/pipeline/dispatch-change.js';
import { type RestoreResult, restoreView } from '../src/render/restore-view.js';
import { partList } from './backup.js';

const args = z
  .object({
    positionals: z.array(z.string().min(1)).length(1, 'expected one backup id (see `kdr backups`)'),
    to: z.string({ message: 'expected --to <cluster>' }).min(1, 'expected --to <cluster>'),
    only: partList(RESTORE_PARTS).optional(),
    topics: regex.optional(),
    map: z.boolean().optional(),
    'add-partitions': z.boolean().optional(),
    'allow-rewind': z.boolean().optional(),
    'replication-factor': z
      .string()
      .regex(/^([1-9]|[1-9]\d)$/, 'expected a replication factor from 1 to 99')
      .optional(),
    'dry-run': z.boolean().optional(),
    yes: z.boolean().optional(),
  })
  .refine((a) => !(a['dry-run'] && a.yes), '--dry-run and --yes contradict each other');

type Args = z.infer<typeof args>;

function request(a: Args): RestoreRequest {
  return {
    backupId: a.positionals[0]!,
    to: a.to,
    ...(a.only ? { only: a.only } : {}),
    ...(a.topics ? { topics: a.topics } : {}),
    ...(a.map ? { map: true } : {}),
    ...(a['add-partitions'] ? { addPartitions: true } : {}),
    ...(a['allow-rewind'] ? { allowRewind: true } : {}),
    ...(a['replication-factor'] ? { replicationFactor: Number(a['replication-factor']) } : {}),
  };
}

/** Restores a backup onto a cluster: plan against the live state → approve (Slack) or confirm (CLI) → apply once → verify. */
export const restore: CommandSpec<Args, RestoreResult> = {
  name: 'restore',
  summary:
    'plans restoring a backup onto a cluster (topics, configs, ACLs, group offsets, schemas) and applies it after approval',
  usage:
    'restore <backup-id> --to <cluster> [--only topics,configs,acls,groups,schemas] [--topics REGEX] [--map] [--add-partitions] [--allow-rewind] [--replication-factor N] [--dry-run] [--yes]',
  examples: [
    'restore primary-20261121T101500123Z --to dr --dry-run',
    'restore primary-20261121T101500123Z --to dr --only topics,acls',
  ],
  options: {
    to: { type: 'string' },
    only: { type: 'string' },
    topics: { type: 'string' },
    map: { type: 'boolean' },
    'add-partitions': { type: 'boolean' },
    'allow-rewind': { type: 'boolean' },
    'replication-factor': { type: 'string' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean' },
  },
  args,
  mutates: true,
  changes: [restoreChange],
  run: async (ctx, a) => {
    const r = request(a);
    if (a['dry-run']) {
      const { plan } = await planFromRequest(ctx.config, ctx.log, r);
      return { kind: 'plan', plan, dryRun: true };
    }
    const out = await dispatchChange(ctx, restoreChange, r, { yes: Boolean(a.yes) });
    switch (out.kind) {
      case 'unchanged':
        return { kind: 'plan', plan: out.plan.view as RestorePlan, dryRun: false };
      case 'approval':
        return { kind: 'approval', plan: out.stored };
      case 'applied':
        return { kind: 'applied', authorisedBy: out.authorisedBy, ...(out.applied.data as RestoreOutcome) };
    }
  },
  view: restoreView,
};
