import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KdrError } from '../core/errors.js';

/**
 * The data dir (audit file sink and key, run reports, orphaned records, backups) must be writable before a bot or
 * worker starts: found at the first click, it would fail an approved change half way. Creates it if missing and
 * writes and removes a probe file.
 */
export function ensureWritableDataDir(dir: string): void {
  const abs = resolve(dir);
  const probe = join(abs, `.write-probe-${process.pid}`);
  try {
    mkdirSync(abs, { recursive: true, mode: 0o700 });
    writeFileSync(probe, 'ok', { mode: 0o600 });
    rmSync(probe, { force: true });
  } catch (err) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : '?';
    throw new KdrError(
      'KDR_CONFIG',
      `the data dir ${abs} is not writable by this process (uid ${uid}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: 'mount a writable volume there (the image declares VOLUME /var/lib/kdr, owned by the node user), or set dataDir / KDR_DATA_DIR to a writable directory',
      },
    );
  }
}
