import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { runKdr } from '../helpers/cli.js';
import { SANDBOX_CONFIG, sandboxConfig, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();
const redis = await connectRedis(config.redis.url);
afterAll(() => redis.disconnect());

const actor = { transport: 'cli' as const, user: 'cli:test@host' };

describe('the audit trail (real Redis)', () => {
  it('chains entries; a removed or forged entry breaks the chain; the file sink has the same entries', async () => {
    const prefix = unique('kdr-audit');
    const file = join(mkdtempSync(join(tmpdir(), 'kdr-audit-')), 'audit.jsonl');
    const log = new AuditLog(redis, prefix, file);
    const a = await log.append({ action: 'x.one', actor, subject: { group: 'g' }, outcome: 'ok' });
    const b = await log.append({ action: 'x.two', actor, subject: { group: 'g' }, outcome: 'ok' });
    await log.append({ action: 'x.three', actor, subject: { group: 'g' }, outcome: 'ok' });
    expect(b.prev).toBe(a.hash);
    expect((await log.read()).verified).toBe(true);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.hash)).toEqual((await log.read()).entries.map((e) => e.hash));

    await redis.xdel(`${prefix}:audit`, b.id);
    const removed = await log.read();
    expect(removed.verified).toBe(false);

    const forged = unique('kdr-audit');
    const f = new AuditLog(redis, forged);
    await f.append({ action: 'x.one', actor, subject: {}, outcome: 'ok' });
    const e = await f.append({ action: 'x.two', actor, subject: {}, outcome: 'ok' });
    await redis.xadd(
      `${forged}:audit`,
      '*',
      'body',
      '{"action":"x.fake"}',
      'prev',
      e.hash,
      'hash',
      'f'.repeat(40),
    );
    expect((await f.read()).brokenAt).toBeDefined();
  });

  it('kdr audit shows the trail, filters by group and says whether the chain verifies', async () => {
    const prefix = unique('kdr-audit');
    const log = new AuditLog(redis, prefix);
    await log.append({
      action: 'translate.plan',
      actor,
      subject: { group: 'payments-app' },
      outcome: 'planned',
      planId: '3205447b-0000',
    });
    await log.append({ action: 'translate.plan', actor, subject: { group: 'other' }, outcome: 'planned' });
    const r = await runKdr(['audit', 'payments-app', '--since', '1h', '--config', SANDBOX_CONFIG], {
      KDR_QUEUE_PREFIX: prefix,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /audit trail for payments-app since .*: 1 entry; hash chain verifies \(2 entries in all\)/,
    );
    const bad = await runKdr(['audit', '--since', 'yesterday-ish', '--config', SANDBOX_CONFIG]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a duration like 2h');
  });
});
