import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { awaitReplicas } from '../queue/replicated.js';
import { archivedHashes, readBase, trimAudit, verifyArchive } from './audit-archive.js';
import { ChainCheck, GENESIS, hmacLink } from './audit-chain.js';

export { GENESIS } from './audit-chain.js';

export interface AuditActor {
  transport: 'cli' | 'slack' | 'worker';
  /** Slack user id, or the OS user for the CLI. */
  user: string;
  name?: string;
  /** How the action was authorised, e.g. `cli --yes`, `cli confirmation`. */
  via?: string;
}

export interface AuditInput {
  action: string;
  actor: AuditActor;
  subject: Record<string, string>;
  outcome: string;
  planId?: string;
  planHash?: string;
  detail?: Record<string, unknown>;
  where?: { channel?: string; ts?: string };
}

export interface AuditEntry extends AuditInput {
  at: string;
  /** Stream id in Redis. */
  id: string;
  prev: string;
  hash: string;
}

// Compare-and-set on the head: the entry is appended only if the head is still the one its hash was made from (the
// HMAC is computed by kdr, whose key Redis never sees); with a `once` key (KEYS[3]) only if that key was never used.
const APPEND = `local prev = redis.call('get', KEYS[2]) or ARGV[4]
if prev ~= ARGV[2] then return {'', prev, ''} end
if ARGV[5] ~= '' and not redis.call('set', KEYS[3], '1', 'NX', 'EX', 2592000) then return {'', '', 'dup'} end
local id = redis.call('xadd', KEYS[1], '*', 'body', ARGV[1], 'prev', prev, 'hash', ARGV[3], 'alg', 'hmac')
redis.call('set', KEYS[2], ARGV[3])
return {id, prev, ARGV[3]}`;

const PAGE = 5000;

export interface AuditRead {
  /** The entries kept (filtered, newest `limit`), oldest first. */
  entries: AuditEntry[];
  /** Entries in the whole trail. */
  total: number;
  /** The chain verifies from the genesis to the recorded head, every keyed hash with kdr's key. */
  verified: boolean;
  brokenAt?: string;
  why?: string;
  /** Entries written before the trail was keyed (plain SHA-1), at its start. */
  legacy: number;
  /** Entries moved from the stream to the archive under the data dir (checked from there: `verifyArchive`). */
  archived?: number;
}

/**
 * Append-only audit trail: a Redis stream whose entries each carry an HMAC-SHA256 (kdr's audit key, which never
 * lives in Redis) of the previous entry's hash and their own body, so an edited, inserted, removed or reordered
 * entry breaks the chain and cannot be re-signed by someone with Redis access; the chain is checked from the genesis
 * to the recorded head (removing the oldest or the newest entries is caught too). Each entry is also one JSON line
 * in a file sink (an anchor outside Redis; `kdr audit --verify-file`), and its hash is shown where it is posted.
 */
export class AuditLog {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly key: Buffer;
  private readonly file: string | undefined;
  private readonly onAppend: ((entry: AuditEntry) => Promise<unknown>) | undefined;

  constructor(
    redis: Redis,
    prefix: string,
    opts: {
      key: Buffer;
      file?: string;
      /** Called after each append (e.g. to post the entry in the thread of the message it concerns); never awaited. */
      onAppend?: (entry: AuditEntry) => Promise<unknown>;
    },
  ) {
    this.redis = redis;
    this.prefix = prefix;
    this.key = opts.key;
    this.file = opts.file;
    this.onAppend = opts.onAppend;
  }

  private get stream() {
    return `${this.prefix}:audit`;
  }

  /**
   * Appends an entry. `once`: an idempotency key; an entry with a key already used is not written again (a
   * retry after a crash re-appends the final entry of an execution without duplicating it).
   */
  async append(input: AuditInput, opts: { once?: string; now?: Date } = {}): Promise<AuditEntry> {
    const body = JSON.stringify({ at: (opts.now ?? new Date()).toISOString(), ...input });
    const parsed = JSON.parse(body) as AuditInput & { at: string };
    let prev = (await this.redis.get(`${this.stream}:head`)) ?? GENESIS;
    for (let attempt = 0; ; attempt++) {
      const hash = hmacLink(this.key, prev, body);
      const [id, seen, third] = (await this.redis.eval(
        APPEND,
        3,
        this.stream,
        `${this.stream}:head`,
        `${this.stream}:once:${opts.once ?? ''}`,
        body,
        prev,
        hash,
        GENESIS,
        opts.once ?? '',
      )) as [string, string, string];
      if (third === 'dup') return { ...parsed, id: '', prev: '', hash: '' };
      if (id) {
        await awaitReplicas(this.redis);
        const entry: AuditEntry = { ...parsed, id, prev, hash };
        if (this.file) {
          mkdirSync(dirname(this.file), { recursive: true });
          appendFileSync(this.file, `${JSON.stringify({ id, prev, hash, alg: 'hmac', body })}\n`);
        }
        this.onAppend?.(entry).catch(() => undefined);
        return entry;
      }
      // another writer moved the head: chain after its entry
      if (attempt >= 200) throw new Error('the audit head kept moving: 200 attempts to append failed');
      prev = seen;
    }
  }

  /**
   * The whole trail checked from its genesis to its head, read in pages; keeps the entries that pass `keep` (newest
   * `limit` of them).
   */
  async read(
    opts: { sinceMs?: number; limit?: number; keep?: (e: AuditEntry) => boolean; pageSize?: number } = {},
  ): Promise<AuditRead> {
    const base = await readBase(this.redis, this.stream);
    const check = new ChainCheck(this.key, base?.hash ?? GENESIS);
    const limit = opts.limit ?? 100_000;
    const kept: AuditEntry[] = [];
    let start = '-';
    for (;;) {
      const size = opts.pageSize ?? PAGE;
      const page = (await this.redis.xrange(this.stream, start, '+', 'COUNT', size)) as Array<
        [string, string[]]
      >;
      for (const [id, fields] of page) {
        const f = Object.fromEntries(fields.flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]!]] : [])));
        const link = {
          id,
          prev: f.prev ?? '',
          hash: f.hash ?? '',
          body: f.body ?? '',
          ...(f.alg ? { alg: f.alg } : {}),
        };
        check.add(link);
        if (opts.sinceMs && Number(id.split('-')[0]) < opts.sinceMs) continue;
        const e: AuditEntry = {
          ...(JSON.parse(link.body) as AuditInput & { at: string }),
          id,
          prev: link.prev,
          hash: link.hash,
        };
        if (opts.keep && !opts.keep(e)) continue;
        kept.push(e);
        if (kept.length > limit) kept.shift();
      }
      if (page.length < size) break;
      start = `(${page[page.length - 1]![0]}`;
    }
    check.end(await this.redis.get(`${this.stream}:head`));
    return {
      entries: kept,
      total: check.count + (base?.archived ?? 0),
      ...(base ? { archived: base.archived } : {}),
      verified: !check.brokenAt,
      ...(check.brokenAt ? { brokenAt: check.brokenAt, why: check.why! } : {}),
      legacy: check.legacy,
    };
  }

  /** Keeps the stream to its newest `keep` entries, the older ones archived under `dir` (see trimAudit). */
  trim(keep: number, dir: string) {
    return trimAudit(this.redis, this.stream, this.key, dir, keep);
  }

  /** The archived part of the trail, checked from the genesis to where the stream now starts. */
  async verifyArchive(dir: string) {
    return verifyArchive(this.key, dir, await readBase(this.redis, this.stream));
  }

  /** The hash the stream holds for each of these entry ids (absent: not in the stream), asked in pipelined batches. */
  async holds(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    // entries moved to the archive are held there
    const base = await readBase(this.redis, this.stream);
    if (base) for (const [id, hash] of archivedHashes(dirname(base.file))) out.set(id, hash);
    for (let i = 0; i < ids.length; i += 1000) {
      const batch = ids.slice(i, i + 1000);
      const pipe = this.redis.pipeline();
      for (const id of batch) pipe.xrange(this.stream, id, id);
      const res = (await pipe.exec()) ?? [];
      res.forEach(([, r], j) => {
        const fields = (r as Array<[string, string[]]> | undefined)?.[0]?.[1] ?? [];
        const k = fields.indexOf('hash');
        if (k >= 0) out.set(batch[j]!, fields[k + 1]!);
      });
    }
    return out;
  }
}

/** One line for a Slack thread: who did what, the outcome, and the entry's place in the chain. */
export function auditLine(e: AuditEntry): string {
  const who = e.actor.transport === 'slack' ? `<@${e.actor.user}>` : e.actor.user;
  return `:scroll: ${e.at} ${who} ${e.action}: ${e.outcome}${e.actor.via ? ` (via ${e.actor.via})` : ''} · audit ${e.id} · hash ${e.hash.slice(0, 10)}`;
}
