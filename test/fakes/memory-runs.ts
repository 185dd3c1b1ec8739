import { KdrError } from '../../src/core/errors.js';
import type { RunStorePort } from '../../src/runbook/run-store.js';
import type { Run } from '../../src/runbook/types.js';

/** Runs in memory with the Redis store's rules: one run per pair, compare-and-set versions. */
export class MemoryRuns implements RunStorePort {
  readonly runs = new Map<string, Run>();
  readonly pairs = new Map<string, string>();

  async create(run: Run) {
    const holder = this.pairs.get(run.pair);
    if (holder && holder !== run.run) return { ok: false as const, holder };
    this.runs.set(run.run, structuredClone(run));
    this.pairs.set(run.pair, run.run);
    return { ok: true as const };
  }
  async get(id: string) {
    const r = this.runs.get(id);
    return r ? structuredClone(r) : undefined;
  }
  async update(id: string, change: (r: Run) => Run | undefined) {
    const cur = this.runs.get(id);
    if (!cur) throw new KdrError('KDR_NO_SUCH_RUN', `no run ${id}`);
    const next = change(structuredClone(cur));
    if (!next) return structuredClone(cur);
    next.version = cur.version + 1;
    this.runs.set(id, structuredClone(next));
    return next;
  }
  async activeOn(cluster: string) {
    for (const [pair, run] of this.pairs) if (pair.split('+').includes(cluster)) return run;
    return undefined;
  }
  async releasePair(run: Run) {
    if (this.pairs.get(run.pair) === run.run) this.pairs.delete(run.pair);
  }
  async list() {
    return [...this.runs.values()].reverse().map((r) => structuredClone(r));
  }
}
