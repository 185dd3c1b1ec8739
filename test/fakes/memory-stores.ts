import type { AuditInput } from '../../src/audit/audit-log.js';
import type { AuditPort, GroupOffsetsPort, OffsetAt, ProgressPort } from '../../src/pipeline/ports.js';

/** The audit trail in memory: entries in order. */
export class MemoryAudit implements AuditPort {
  readonly entries: AuditInput[] = [];
  private readonly onceKeys = new Set<string>();
  async append(input: AuditInput, opts: { once?: string } = {}) {
    if (opts.once) {
      if (this.onceKeys.has(opts.once)) return { id: '', hash: '' };
      this.onceKeys.add(opts.once);
    }
    this.entries.push(structuredClone(input));
    return { id: String(this.entries.length), hash: String(this.entries.length) };
  }
}

export class MemoryProgress implements ProgressPort {
  readonly done = new Map<string, Set<string>>();
  async isDone(planId: string, part: string) {
    return this.done.get(planId)?.has(part) ?? false;
  }
  async markDone(planId: string, part: string) {
    this.done.set(planId, (this.done.get(planId) ?? new Set()).add(part));
  }
  async count(planId: string) {
    return this.done.get(planId)?.size ?? 0;
  }
}

/** Committed offsets per cluster and group; `commits` counts OffsetCommit requests per group. */
export class MemoryOffsets implements GroupOffsetsPort {
  readonly committed = new Map<string, Map<string, number>>();
  readonly commits = new Map<string, number>();
  async commit(cluster: string, group: string, offsets: OffsetAt[]) {
    const k = `${cluster}/${group}`;
    const m = this.committed.get(k) ?? new Map<string, number>();
    for (const o of offsets) m.set(`${o.topic}:${o.partition}`, o.offset);
    this.committed.set(k, m);
    this.commits.set(k, (this.commits.get(k) ?? 0) + 1);
  }
  async read(cluster: string, group: string): Promise<OffsetAt[]> {
    return [...(this.committed.get(`${cluster}/${group}`) ?? new Map())]
      .map(([tp, offset]) => {
        const i = tp.lastIndexOf(':');
        return { topic: tp.slice(0, i), partition: Number(tp.slice(i + 1)), offset };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }
  async close() {}
}
