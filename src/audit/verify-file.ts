import { readFileSync } from 'node:fs';
import { hmacLink, sha1Link } from './audit-chain.js';
import type { AuditLog } from './audit-log.js';

export interface FileCheck {
  file: string;
  lines: number;
  /** Every line's own hash is right (keyed lines with kdr's key). */
  verified: boolean;
  /** Lines whose hash does not match, or that are not JSON. */
  bad: Array<{ line: number; id?: string; why: string }>;
  /** Places where the previous line is not the entry before (other processes wrote to the trail in between). */
  gaps: number;
  /** Compared with the trail in Redis: file entries it does not hold, or holds with another hash. */
  missingInRedis: string[];
  redisChecked: boolean;
}

/**
 * Checks a JSON-lines file sink on its own (each line's hash from its previous hash and body, with kdr's key) and,
 * when the trail in Redis answers, that Redis still holds every entry of the file with the same hash: a trail whose
 * newest entries were removed, and its head reset, is caught here even though it verifies in Redis alone.
 */
export async function verifyAuditFile(file: string, key: Buffer, trail?: AuditLog): Promise<FileCheck> {
  const text = readFileSync(file, 'utf8');
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  const bad: FileCheck['bad'] = [];
  const ids: Array<{ id: string; hash: string }> = [];
  let gaps = 0;
  let prevHash: string | undefined;
  rows.forEach((row, i) => {
    let l: { id?: string; prev?: string; hash?: string; alg?: string; body?: string };
    try {
      l = JSON.parse(row);
    } catch {
      bad.push({ line: i + 1, why: 'not JSON' });
      return;
    }
    const expect =
      l.alg === 'hmac' ? hmacLink(key, l.prev ?? '', l.body ?? '') : sha1Link(l.prev ?? '', l.body ?? '');
    if (expect !== l.hash)
      bad.push({
        line: i + 1,
        ...(l.id ? { id: l.id } : {}),
        why: l.alg === 'hmac' ? 'keyed hash does not match (edited, or another key)' : 'hash does not match',
      });
    if (prevHash !== undefined && l.prev !== prevHash) gaps++;
    prevHash = l.hash;
    if (l.id && l.hash) ids.push({ id: l.id, hash: l.hash });
  });
  let missingInRedis: string[] = [];
  if (trail) {
    const held = await trail.holds(ids.map((x) => x.id));
    missingInRedis = ids.filter((x) => held.get(x.id) !== x.hash).map((x) => x.id);
  }
  return {
    file,
    lines: rows.length,
    verified: bad.length === 0 && missingInRedis.length === 0,
    bad,
    gaps,
    missingInRedis,
    redisChecked: Boolean(trail),
  };
}
