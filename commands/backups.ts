import { z } from 'zod';
import { type BackupEntry, BackupStore } from '../src/backup/store.js';
import type { CommandSpec } from '../src/core/command.js';
import { KdrError } from '../src/core/errors.js';
import { backupsView } from '../src/render/backup-view.js';

const args = z.object({ positionals: z.array(z.string().min(1)).max(1, 'expected at most one cluster') });

export const backups: CommandSpec<z.infer<typeof args>, { dir: string; entries: BackupEntry[] }> = {
  name: 'backups',
  summary: 'lists the stored backups (oldest first), each verified against its checksum',
  usage: 'backups [cluster]',
  examples: ['backups', 'backups primary'],
  options: {},
  args,
  mutates: false,
  run: async (ctx, a) => {
    const cluster = a.positionals[0];
    if (cluster && !ctx.config.clusters[cluster])
      throw new KdrError('KDR_UNKNOWN_CLUSTER', `no cluster named "${cluster}"`, {
        hint: `configured clusters: ${Object.keys(ctx.config.clusters).join(', ')}`,
      });
    const store = new BackupStore(ctx.config);
    return { dir: store.dir, entries: await store.list(cluster) };
  },
  view: backupsView,
};
