import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/audit-log.js';
import { verifyAuditFile } from '../../src/audit/verify-file.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { sandboxConfig, unique } from '../helpers/sandbox.js';

/**
 * Issue 15: the audit stream does not grow without bound. The worker keeps the newest audit.keep entries in Redis
 * and moves older ones to files under the data dir; the whole trail still verifies from the genesis (archive, then
 * stream), and a changed archive or a removed stream entry is named.
 */
let redis: Redis;
beforeAll(async () => {
  redis = await connectRedis(sandboxConfig().redis);
});
afterAll(() => redis.disconnect());

const entry = (i: number) => ({
  action: 'test.entry',
  actor: { transport: 'cli' as const, user: 'tester' },
  subject: { n: String(i) },
  outcome: `entry ${i}`,
});

describe('audit trail trimmed to an archive (issue 15)', () => {
  it('keeps the newest entries in Redis; the archive and the stream verify from the genesis; tampering is named', async () => {
    const prefix = unique('kdr-at');
    const dir = mkdtempSync(join(tmpdir(), 'kdr-at-'));
    const archive = join(dir, 'audit-archive');
    const key = randomBytes(32);
    const trail = new AuditLog(redis, prefix, { key, file: join(dir, 'audit.jsonl') });
    for (let i = 0; i < 250; i++) await trail.append(entry(i));

    expect(await trail.trim(100, archive)).toMatchObject({ archived: 150 });
    expect(await redis.xlen(`${prefix}:audit`)).toBe(100);
    let read = await trail.read();
    expect(read).toMatchObject({ verified: true, total: 250, archived: 150 });
    expect(read.entries[0]!.outcome).toBe('entry 150');
    expect(await trail.verifyArchive(archive)).toEqual({ verified: true, entries: 150 });

    // appends go on; a second trim adds a second archive file; nothing to trim under the limit
    for (let i = 250; i < 330; i++) await trail.append(entry(i));
    expect(await trail.trim(100, archive)).toMatchObject({ archived: 80 });
    expect(await trail.trim(100, archive)).toEqual({ archived: 0 });
    read = await trail.read();
    expect(read).toMatchObject({ verified: true, total: 330, archived: 230 });
    expect(readdirSync(archive)).toHaveLength(2);
    expect(await trail.verifyArchive(archive)).toEqual({ verified: true, entries: 230 });
    // the file sink agrees with Redis and the archive together
    const file = await verifyAuditFile(join(dir, 'audit.jsonl'), key, trail);
    expect(file).toMatchObject({ verified: true, lines: 330, missingInRedis: [] });

    // an archived entry edited: named
    const [first] = readdirSync(archive).sort();
    const path = join(archive, first!);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[10] = lines[10]!.replace('entry 10', 'entry 10 (edited)');
    writeFileSync(path, lines.join('\n'));
    const tampered = await trail.verifyArchive(archive);
    expect(tampered?.verified).toBe(false);
    expect(tampered?.why).toMatch(/keyed hash does not match/);

    // an entry removed from the stream after the cut: named, and a trim refuses to archive a broken chain
    const [[oldest]] = (await redis.xrange(`${prefix}:audit`, '-', '+', 'COUNT', 1)) as Array<
      [string, string[]]
    >;
    await redis.xdel(`${prefix}:audit`, oldest!);
    read = await trail.read();
    expect(read.verified).toBe(false);
    expect(read.why).toBe('the first entry does not follow the last archived one: entries were removed');
    for (let i = 330; i < 340; i++) await trail.append(entry(i));
    expect((await trail.trim(100, archive)).refused).toMatch(/^the chain breaks at /);
  });
});
