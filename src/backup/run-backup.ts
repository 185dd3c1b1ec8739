import type { Config } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { type BackupOptions, takeBackup } from './collect.js';
import type { Manifest } from './manifest.js';
import { BackupStore } from './store.js';

export interface BackupResult {
  manifest: Manifest;
  path: string;
  pruned: string[];
  bytes: number;
  durationMs: number;
}

/** Takes a backup and stores it (pruning beyond `backup.retain`): what `kdr backup` and the schedule both run. */
export async function runBackup(
  config: Config,
  log: Logger,
  cluster: string,
  opts: BackupOptions = {},
): Promise<BackupResult> {
  const t0 = Date.now();
  const manifest = await takeBackup(config, log, cluster, opts);
  const { path, pruned, bytes } = await new BackupStore(config).save(manifest, config.backup.retain);
  log.info(
    { backup: manifest.id, topics: manifest.content.topics.length, pruned: pruned.length },
    'backup stored',
  );
  return { manifest, path, pruned, bytes, durationMs: Date.now() - t0 };
}
