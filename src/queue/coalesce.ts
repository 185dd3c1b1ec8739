/**
 * Request coalescing for read-only commands: when many people type the same `/kdr status` during an incident,
 * the answer computed for the first is shared with those asking within `windowMs` of its start, instead of
 * probing the clusters once per person. Mutating commands are never coalesced.
 */
export class Coalescer<T> {
  private readonly recent = new Map<string, { at: number; result: Promise<T> }>();

  constructor(private readonly windowMs: number) {}

  run(key: string, work: () => Promise<T>, now = Date.now()): Promise<T> {
    if (this.windowMs <= 0) return work();
    for (const [k, v] of this.recent) if (now - v.at >= this.windowMs) this.recent.delete(k);
    const hit = this.recent.get(key);
    if (hit) return hit.result;
    const result = work();
    this.recent.set(key, { at: now, result });
    result.catch(() => this.recent.delete(key));
    return result;
  }
}
