import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { trailOf } from '../helpers/audit.js';
import { runKdr } from '../helpers/cli.js';
import { SANDBOX_CONFIG, sandboxConfig, unique } from '../helpers/sandbox.js';

const config = sandboxConfig();
const redis = await connectRedis(config.redis.url!);
afterAll(() => redis.disconnect());

const actor = { transport: 'cli' as const, user: 'cli:test@host' };
const key = Buffer.from(process.env.KDR_AUDIT_KEY!, 'utf8');

/** A trail of `n` entries under a new prefix, with its file sink. */
async function trailWith(n: number) {
  const prefix = unique('kdr-audit');
  const file = join(mkdtempSync(join(tmpdir(), 'kdr-audit-')), 'audit.jsonl');
  const log = new AuditLog(redis, prefix, { key, file });
  const entries = [];
  for (let i = 0; i < n; i++)
    entries.push(await log.append({ action: `x.${i}`, actor, subject: { group: 'g' }, outcome: 'ok' }));
  return { prefix, file, log, entries, stream: `${prefix}:audit` };
}

describe('the audit trail (real Redis)', () => {
  it('chains entries with a keyed hash; the file sink has the same entries', async () => {
    const { file, log, entries } = await trailWith(3);
    expect(entries[1]!.prev).toBe(entries[0]!.hash);
    const r = await log.read();
    expect(r).toMatchObject({ verified: true, total: 3, legacy: 0 });
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.hash)).toEqual(r.entries.map((e) => e.hash));
    expect(lines.every((l) => l.alg === 'hmac')).toBe(true);
  });

  it('a removed entry in the middle, the oldest or the newest: each breaks the chain, named', async () => {
    const mid = await trailWith(3);
    await redis.xdel(mid.stream, mid.entries[1]!.id);
    expect(await mid.log.read()).toMatchObject({ verified: false, brokenAt: mid.entries[2]!.id });

    const oldest = await trailWith(3);
    await redis.xdel(oldest.stream, oldest.entries[0]!.id);
    const o = await oldest.log.read();
    expect(o.verified).toBe(false);
    expect(o.why).toContain('older entries were removed');

    const newest = await trailWith(3);
    await redis.xdel(newest.stream, newest.entries[2]!.id);
    const n = await newest.log.read();
    expect(n.verified).toBe(false);
    expect(n.why).toContain('the newest entries were removed');
  });

  it('someone with Redis access cannot re-sign an edit: neither with the old SHA-1 rule nor without the key', async () => {
    const t = await trailWith(2);
    // rewrite the newest entry's body and recompute its hash the way the chain used to be made (SHA-1, no key)
    const last = t.entries[1]!;
    await redis.xdel(t.stream, last.id);
    const body = JSON.stringify({ at: last.at, action: 'x.forged', actor, subject: {}, outcome: 'ok' });
    const sha1 = createHash('sha1').update(`${last.prev}\n${body}`).digest('hex');
    await redis.xadd(t.stream, '*', 'body', body, 'prev', last.prev, 'hash', sha1);
    await redis.set(`${t.stream}:head`, sha1);
    const r = await t.log.read();
    expect(r.verified).toBe(false);
    expect(r.why).toContain('unkeyed entry after keyed ones');
    // and as a keyed entry made with another key
    const u = await trailWith(2);
    const other = new AuditLog(redis, u.prefix, { key: Buffer.from('not-the-installation-key-000000') });
    await other.append({ action: 'x.intruder', actor, subject: {}, outcome: 'ok' });
    expect((await u.log.read()).why).toContain('keyed hash does not match');
  });

  it('the newest entries removed and the head reset still verify in Redis, but not against the file sink', async () => {
    const t = await trailWith(4);
    await redis.xdel(t.stream, t.entries[3]!.id);
    await redis.set(`${t.stream}:head`, t.entries[2]!.hash);
    expect((await t.log.read()).verified).toBe(true); // Redis alone cannot tell
    const r = await runKdr(
      ['audit', '--verify-file', '--file', t.file, '--json', '--config', SANDBOX_CONFIG],
      {
        KDR_QUEUE_PREFIX: t.prefix,
      },
    );
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.verified).toBe(true);
    expect(out.fileCheck).toMatchObject({ lines: 4, verified: false, missingInRedis: [t.entries[3]!.id] });
  });

  it('reads a long trail in pages and keeps the newest entries', async () => {
    const t = await trailWith(12);
    const r = await t.log.read({ limit: 5, pageSize: 5 }); // three pages
    expect(r.total).toBe(12);
    expect(r.entries.map((e) => e.action)).toEqual(['x.7', 'x.8', 'x.9', 'x.10', 'x.11']);
    expect(r.verified).toBe(true);
  });

  it('kdr audit shows the trail, filters by group and says whether the chain verifies', async () => {
    const prefix = unique('kdr-audit');
    const log = trailOf(redis, prefix);
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
      /audit trail for payments-app since .*: 1 entry; hash chain verifies from the genesis to the head \(2 entries in all\)/,
    );
    const bad = await runKdr(['audit', '--since', 'yesterday-ish', '--config', SANDBOX_CONFIG]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a duration like 2h');
  });
});
