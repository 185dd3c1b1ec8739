import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';

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

export const GENESIS = '0'.repeat(40);

// Reads the head, chains, appends and moves the head in one step, so concurrent writers cannot fork the chain.
// With a `once` key (KEYS[3]) the entry is written only if that key was never used: exactly-once entries.
const APPEND = `if ARGV[3] ~= '' and not redis.call('set', KEYS[3], '1', 'NX', 'EX', 2592000) then return {'', '', ''} end
local prev = redis.call('get', KEYS[2]) or ARGV[2]
local hash = redis.sha1hex(prev .. '\\n' .. ARGV[1])
local id = redis.call('xadd', KEYS[1], '*', 'body', ARGV[1], 'prev', prev, 'hash', hash)
redis.call('set', KEYS[2], hash)
return {id, prev, hash}`;

export const chainHash = (prev: string, body: string) =>
  createHash('sha1').update(`${prev}\n${body}`).digest('hex');

/**
 * Append-only audit trail: a Redis stream whose entries each carry the SHA-1 of the previous entry and their own
 * body (so an edited, removed or reordered entry breaks the chain), plus one JSON line per entry in a file sink
 * that can be shipped elsewhere.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly file?: string,
    /** Called after each append (e.g. to post the entry in the thread of the message it concerns); never awaited. */
    private readonly onAppend?: (entry: AuditEntry) => Promise<unknown>,
  ) {}

  private get stream() {
    return `${this.prefix}:audit`;
  }

  /**
   * Appends an entry. `once`: an idempotency key; an entry with a key already used is not written again (a
   * retry after a crash re-appends the final entry of an execution without duplicating it).
   */
  async append(input: AuditInput, opts: { once?: string; now?: Date } = {}): Promise<AuditEntry> {
    const body = JSON.stringify({ at: (opts.now ?? new Date()).toISOString(), ...input });
    const [id, prev, hash] = (await this.redis.eval(
      APPEND,
      3,
      this.stream,
      `${this.stream}:head`,
      `${this.stream}:once:${opts.once ?? ''}`,
      body,
      GENESIS,
      opts.once ?? '',
    )) as [string, string, string];
    if (!id) return { ...(JSON.parse(body) as AuditInput & { at: string }), id: '', prev: '', hash: '' };
    const entry: AuditEntry = { ...(JSON.parse(body) as AuditInput & { at: string }), id, prev, hash };
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify({ id, prev, hash, body })}\n`);
    }
    this.onAppend?.(entry).catch(() => undefined);
    return entry;
  }

  /** Entries in order, with whether the chain verifies up to each. */
  async read(
    opts: { sinceMs?: number; count?: number } = {},
  ): Promise<{ entries: AuditEntry[]; verified: boolean; brokenAt?: string }> {
    const start = opts.sinceMs ? `${opts.sinceMs}-0` : '-';
    const raw = (await this.redis.xrange(this.stream, start, '+', 'COUNT', opts.count ?? 100_000)) as Array<
      [string, string[]]
    >;
    const entries: AuditEntry[] = [];
    let expectPrev: string | undefined;
    let brokenAt: string | undefined;
    for (const [id, fields] of raw) {
      const f = Object.fromEntries(fields.flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]!]] : [])));
      const body = f.body ?? '';
      const ok =
        chainHash(f.prev ?? '', body) === f.hash && (expectPrev === undefined || expectPrev === f.prev);
      if (!ok && !brokenAt) brokenAt = id;
      expectPrev = f.hash;
      entries.push({
        ...(JSON.parse(body) as AuditInput & { at: string }),
        id,
        prev: f.prev!,
        hash: f.hash!,
      });
    }
    return { entries, verified: !brokenAt, ...(brokenAt ? { brokenAt } : {}) };
  }
}

/** One line for a Slack thread: who did what, the outcome, and the entry's place in the chain. */
export function auditLine(e: AuditEntry): string {
  const who = e.actor.transport === 'slack' ? `<@${e.actor.user}>` : e.actor.user;
  return `:scroll: ${e.at} ${who} ${e.action}: ${e.outcome}${e.actor.via ? ` (via ${e.actor.via})` : ''} · audit ${e.id} · hash ${e.hash.slice(0, 10)}`;
}
