import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { ChainCheck, GENESIS, type Link } from './audit-chain.js';

/** Where the stream was cut: the last archived entry, its hash (the next entry follows it) and the archive file. */
export interface AuditBase {
  id: string;
  hash: string;
  file: string;
  /** Entries archived in all, over every trim. */
  archived: number;
}

export const baseKey = (stream: string) => `${stream}:base`;

export async function readBase(redis: Redis, stream: string): Promise<AuditBase | undefined> {
  const raw = await redis.get(baseKey(stream));
  return raw ? (JSON.parse(raw) as AuditBase) : undefined;
}

const linkOf = ([id, fields]: [string, string[]]): Link => {
  const f = Object.fromEntries(fields.flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]!]] : [])));
  return { id, prev: f.prev ?? '', hash: f.hash ?? '', body: f.body ?? '', ...(f.alg ? { alg: f.alg } : {}) };
};

/**
 * Keeps the stream to its newest `keep` entries: the older ones are checked (they must chain from the current base),
 * written to `<dir>/<first id>_<last id>.jsonl` (synced to disk), and only then cut from the stream, the base
 * moving to the last one archived. A broken chain is never archived (the evidence stays in Redis).
 */
export async function trimAudit(
  redis: Redis,
  stream: string,
  key: Buffer,
  dir: string,
  keep: number,
): Promise<{ archived: number; file?: string; refused?: string }> {
  const len = await redis.xlen(stream);
  const n = len - keep;
  if (n <= 0) return { archived: 0 };
  const base = await readBase(redis, stream);
  const page = (await redis.xrange(stream, '-', '+', 'COUNT', n)) as Array<[string, string[]]>;
  const links = page.map(linkOf);
  const check = new ChainCheck(key, base?.hash ?? GENESIS);
  for (const l of links) check.add(l);
  if (check.brokenAt) return { archived: 0, refused: `the chain breaks at ${check.brokenAt}: ${check.why}` };
  const first = links[0]!;
  const last = links[links.length - 1]!;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${first.id}_${last.id}.jsonl`);
  const fd = openSync(file, 'w', 0o600);
  try {
    writeSync(
      fd,
      links
        .map((l) => JSON.stringify(l))
        .join('\n')
        .concat('\n'),
    );
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const next: AuditBase = {
    id: last.id,
    hash: last.hash,
    file,
    archived: (base?.archived ?? 0) + links.length,
  };
  // the base moves and the entries go in one step; an entry appended meanwhile is newer and stays
  await redis
    .multi()
    .set(baseKey(stream), JSON.stringify(next))
    .xtrim(stream, 'MINID', incrementId(last.id))
    .exec();
  return { archived: links.length, file };
}

/** The smallest stream id after `id` (ms-seq). */
function incrementId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? '0') + 1n}`;
}

/** id → hash of every archived entry under `dir`. */
export function archivedHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl')))
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n'))
      if (line.trim()) {
        const l = JSON.parse(line) as Link;
        out.set(l.id, l.hash);
      }
  return out;
}

/**
 * The archived part of the trail checked from the genesis to the base: every archive file in id order, each link
 * following the one before, the last being the base. Null when nothing was ever archived.
 */
export function verifyArchive(
  key: Buffer,
  dir: string,
  base: AuditBase | undefined,
): { verified: boolean; entries: number; why?: string } | null {
  if (!base) return null;
  if (!existsSync(dir)) return { verified: false, entries: 0, why: `no archive in ${dir}` };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort((a, b) => compareIds(a.split('_')[0]!, b.split('_')[0]!));
  const check = new ChainCheck(key);
  for (const f of files)
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n'))
      if (line.trim()) check.add(JSON.parse(line) as Link);
  check.end(base.hash);
  const why =
    check.why ??
    (check.count !== base.archived ? `${base.archived} entries archived, ${check.count} found` : undefined);
  return { verified: !why, entries: check.count, ...(why ? { why } : {}) };
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am! !== bm! ? (am! < bm! ? -1 : 1) : as! === bs! ? 0 : as! < bs! ? -1 : 1;
}
