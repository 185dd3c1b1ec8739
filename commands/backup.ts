import { z } from 'zod';
import { PARTS } from '../src/backup/manifest.js';
import { type BackupResult, runBackup } from '../src/backup/run-backup.js';
import { regex } from '../src/config/schema.js';
import type { CommandSpec } from '../src/core/command.js';
import { KdrError } from '../src/core/errors.js';
import { backupView } from '../src/render/backup-view.js';

export const partList = <T extends readonly string[]>(all: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim()))
    .refine(
      (ps) => ps.every((p) => (all as readonly string[]).includes(p)),
      `expected a comma-separated list of ${all.join(', ')}`,
    )
    .transform((ps) => ps as Array<T[number]>);

const args = z.object({
  positionals: z.array(z.string().min(1)).max(1, 'expected at most one cluster'),
  topics: regex.optional(),
  only: partList(PARTS).optional(),
});

/** Exports a cluster's declarative state (topics, configs, ACLs, group offsets, broker configs, schemas) as a manifest. */
export const backup: CommandSpec<z.infer<typeof args>, BackupResult> = {
  name: 'backup',
  summary:
    "exports a cluster's topics, configs, ACLs, group offsets, dynamic broker configs and schemas as a versioned manifest",
  usage: 'backup [cluster] [--topics REGEX] [--only topics,configs,acls,groups,brokers,schemas]',
  examples: ['backup primary', 'backup dr --only topics,acls'],
  options: { topics: { type: 'string' }, only: { type: 'string' } },
  args,
  mutates: false,
  run: async (ctx, a) => {
    const cluster = a.positionals[0] ?? ctx.config.flows[0]?.source ?? Object.keys(ctx.config.clusters)[0];
    if (!cluster || !ctx.config.clusters[cluster])
      throw new KdrError('KDR_UNKNOWN_CLUSTER', `no cluster named "${cluster ?? ''}"`, {
        hint: `configured clusters: ${Object.keys(ctx.config.clusters).join(', ') || 'none'}`,
      });
    return runBackup(ctx.config, ctx.log, cluster, { topics: a.topics, parts: a.only });
  },
  view: backupView,
};
