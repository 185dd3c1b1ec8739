import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { KdrError } from '../core/errors.js';
import { awaitReplicas } from '../queue/replicated.js';
import type { Run } from './types.js';

// Create: the pair is free (or already ours) and the run is new; both in one step.
const CREATE = `local holder = redis.call('get', KEYS[2])
if holder and holder ~= ARGV[1] then return holder end
if redis.call('exists', KEYS[1]) == 1 then return 'exists' end
redis.call('set', KEYS[1], ARGV[2])
redis.call('set', KEYS[2], ARGV[1])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[1])
return 'ok'`;

// Compare-and-set: written only if nobody changed the run since it was read.
const CAS = `local raw = redis.call('get', KEYS[1])
if not raw then return 'missing' end
if cjson.decode(raw).version ~= tonumber(ARGV[1]) then return 'conflict' end
redis.call('set', KEYS[1], ARGV[2])
return 'ok'`;

// Put back what Redis lost: only if the run is still at the version (or absence) the reader saw; the pair is taken
// again for a run that still holds it, unless another run took it meanwhile (then that run's name is returned).
const RESTORE = `local raw = redis.call('get', KEYS[1])
local seen = tonumber(ARGV[2])
if raw then
  if cjson.decode(raw).version ~= seen then return 'conflict' end
elseif seen ~= -1 then return 'conflict' end
local holder = redis.call('get', KEYS[2])
if ARGV[4] == '1' and holder and holder ~= ARGV[3] then return holder end
redis.call('set', KEYS[1], ARGV[1])
if ARGV[4] == '1' then redis.call('set', KEYS[2], ARGV[3]) end
redis.call('zadd', KEYS[3], ARGV[5], ARGV[3])
return 'ok'`;

const ACTIVE = new Set(['open', 'running', 'waiting', 'paused', 'aborting']);

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface RunStorePort {
  create(run: Run): Promise<{ ok: true } | { ok: false; holder: string }>;
  get(id: string): Promise<Run | undefined>;
  /** Applies `change` to the newest version and writes it with compare-and-set (retried on a conflict). */
  update(id: string, change: (r: Run) => Run | undefined): Promise<Run>;
  /** The run holding the pair that includes `cluster`, if any. */
  activeOn(cluster: string): Promise<string | undefined>;
  releasePair(run: Run): Promise<void>;
  list(limit?: number): Promise<Run[]>;
}

/**
 * Runs in Redis, without TTL: one JSON document per run changed only by compare-and-set, one key per cluster pair
 * naming the run that holds it, and a mirror of every version under `<dataDir>/runs/<id>.json`.
 */
export class RunStore implements RunStorePort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly dir: string,
  ) {}

  private key(id: string) {
    return `${this.prefix}:run:${id}`;
  }
  private pairKey(pair: string) {
    return `${this.prefix}:run-pair:${pair}`;
  }
  private get index() {
    return `${this.prefix}:runs`;
  }

  private mirror(run: Run): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${run.run}.json`);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(run, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  async create(run: Run) {
    const r = (await this.redis.eval(
      CREATE,
      3,
      this.key(run.run),
      this.pairKey(run.pair),
      this.index,
      run.run,
      JSON.stringify(run),
      String(Date.parse(run.startedAt)),
    )) as string;
    if (r !== 'ok') return { ok: false as const, holder: r };
    await awaitReplicas(this.redis);
    this.mirror(run);
    return { ok: true as const };
  }

  private kept(id: string): Run | undefined {
    const path = join(this.dir, `${id}.json`);
    if (!existsSync(path)) return undefined;
    try {
      return normalise(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      return undefined;
    }
  }

  /**
   * The run as Redis has it, unless Redis went back in time (asynchronous replication loses the newest writes when
   * a master dies): a mirror newer than Redis's copy is put back, with a problem saying so; a mirror of the same
   * version that differs from Redis's (another writer went on from the lost state) stops the run for a person.
   */
  async get(id: string): Promise<Run | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.redis.get(this.key(id));
      const live = raw ? normalise(JSON.parse(raw)) : undefined;
      const kept = this.kept(id);
      if (!kept || (live && live.version > kept.version)) return live;
      if (live && live.version === kept.version) {
        if (JSON.stringify(live) === JSON.stringify(kept)) return live;
        return await this.diverged(live, kept);
      }
      const back = await this.restore(live, kept);
      if (back) return back;
    }
    throw new KdrError('KDR_INTERNAL', `run ${id} kept changing while it was restored`, { retriable: true });
  }

  private async restore(live: Run | undefined, kept: Run): Promise<Run | undefined> {
    const note = `Redis had lost ${live ? `versions ${live.version + 1}–${kept.version}` : 'the whole run'} (a master switch?): restored from the mirror in ${this.dir} at ${new Date().toISOString()}`;
    const run: Run = { ...kept, version: kept.version + 1, problems: [...kept.problems, note] };
    const active = ACTIVE.has(run.state);
    const r = (await this.redis.eval(
      RESTORE,
      3,
      this.key(run.run),
      this.pairKey(run.pair),
      this.index,
      JSON.stringify(run),
      String(live ? live.version : -1),
      run.run,
      active ? '1' : '0',
      String(Date.parse(run.startedAt)),
    )) as string;
    if (r === 'conflict') return undefined;
    if (r !== 'ok') {
      // another run took the pair while this one was lost: neither goes on without a person
      return await this.diverged(
        live ?? run,
        run,
        `run ${r} took the pair ${run.pair} while this run was lost`,
      );
    }
    this.mirror(run);
    return run;
  }

  private async diverged(live: Run, kept: Run, why?: string): Promise<Run> {
    const fact =
      why ??
      `Redis and the mirror in ${this.dir} disagree at version ${live.version} (Redis lost a write and another went on from the older state)`;
    const stopped: Run = {
      ...live,
      version: Math.max(live.version, kept.version) + 1,
      state: live.state === 'open' || live.state === 'running' ? 'waiting' : live.state,
      waitingFor: `a person: ${fact}; compare the run with ${join(this.dir, `${live.run}.json`)} and the audit trail, then retry or abort`,
      problems: [...live.problems, fact],
    };
    const r = await this.redis.eval(
      CAS,
      1,
      this.key(live.run),
      String(live.version),
      JSON.stringify(stopped),
    );
    if (r !== 'ok') return (await this.get(live.run))!;
    this.mirror(stopped);
    return stopped;
  }

  async update(id: string, change: (r: Run) => Run | undefined): Promise<Run> {
    for (let i = 0; i < 20; i++) {
      const cur = await this.get(id);
      if (!cur)
        throw new KdrError('KDR_NO_SUCH_RUN', `no run ${id}`, { hint: 'see `kdr runbook` for the runs' });
      const next = change(structuredClone(cur));
      if (!next) return cur;
      next.version = cur.version + 1;
      const r = await this.redis.eval(CAS, 1, this.key(id), String(cur.version), JSON.stringify(next));
      if (r === 'ok') {
        await awaitReplicas(this.redis);
        this.mirror(next);
        return next;
      }
    }
    throw new KdrError('KDR_INTERNAL', `run ${id} kept changing under 20 updates`, { retriable: true });
  }

  async activeOn(cluster: string): Promise<string | undefined> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:run-pair:*`, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const k of keys) {
      const pair = k.slice(`${this.prefix}:run-pair:`.length).split('+');
      if (pair.includes(cluster)) return (await this.redis.get(k)) ?? undefined;
    }
    return undefined;
  }

  async releasePair(run: Run): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.pairKey(run.pair), run.run);
  }

  async list(limit = 50): Promise<Run[]> {
    const ids = await this.redis.zrevrange(this.index, 0, limit - 1);
    const out: Run[] = [];
    for (const id of ids) {
      const r = await this.get(id);
      if (r) out.push(r);
    }
    return out;
  }
}

/** cjson is not involved (runs are written by JS), but older documents may lack newer fields. */
function normalise(r: Run): Run {
  return { ...r, problems: r.problems ?? [], steps: r.steps ?? [] };
}

/** The pair a flow's run holds: both cluster names, sorted. */
export const pairOf = (source: string, target: string) => [source, target].sort().join('+');
