import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { sandboxLayout } from '../../src/sandbox/layout.js';
import { pidAlive, portOpen, stopPid } from '../../src/sandbox/processes.js';
import { ensureRedis } from '../../src/sandbox/redis.js';
import { ROOT } from '../helpers/sandbox.js';
import { freePort } from '../helpers/slack.js';

describe('sandbox Redis', () => {
  it('starts a redis-server (noeviction) when none answers, and leaves a running one alone', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kdr-redis-'));
    const layout = sandboxLayout(ROOT, { KDR_SANDBOX_DIR: stateDir });
    layout.ports.redis = await freePort();
    mkdirSync(join(stateDir, 'logs'), { recursive: true });
    expect(await portOpen(layout.ports.redis)).toBe(false);

    const rec = await ensureRedis(layout, () => undefined);
    expect(rec).toBeDefined();
    try {
      expect(pidAlive(rec!.pid)).toBe(true);
      const redis = new Redis(rec!.endpoint);
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      redis.disconnect();
      // a second call finds it answering and starts nothing
      expect(await ensureRedis(layout, () => undefined)).toBeUndefined();
    } finally {
      await stopPid(rec!.pid);
    }
    expect(pidAlive(rec!.pid)).toBe(false);
  });
});
