import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KdrError } from '../core/errors.js';
import type { SandboxLayout } from './layout.js';
import { portOpen, spawnDetached, waitFor } from './processes.js';
import type { ProcessRecord } from './state.js';

/** Makes sure a Redis server answers on 127.0.0.1:6379; starts one (and returns its record) only if none does. */
export async function ensureRedis(
  layout: SandboxLayout,
  say: (line: string) => void,
): Promise<ProcessRecord | undefined> {
  const port = layout.ports.redis;
  if (await portOpen(port)) return undefined;
  if (spawnSync('redis-server', ['--version']).error) {
    throw new KdrError(
      'KDR_SANDBOX_REDIS',
      `no Redis answers on 127.0.0.1:${port} and redis-server is not installed`,
      {
        hint: 'install it (Debian: `apt-get install redis-server`) or start a Redis on that port',
      },
    );
  }
  say(`starting redis-server on 127.0.0.1:${port}...`);
  const log = join(layout.stateDir, 'logs', 'redis.out');
  const pid = spawnDetached(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    log,
  );
  await waitFor('redis-server', 10_000, async () => ((await portOpen(port)) ? true : undefined), 200);
  return { pid, startedAt: new Date().toISOString(), log, endpoint: `redis://127.0.0.1:${port}` };
}
