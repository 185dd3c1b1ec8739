import type { Redis } from 'ioredis';
import type { GroupTranslation } from './types.js';

/** A proven exact translation the worker keeps: the source commit it was proven for, where it is on the target. */
export interface StoredProof {
  /** The group's committed offset on the source the proof is for. */
  committed: number;
  /** The proven target offset of the group's next record. */
  offset: number;
  /** When the commit was read (ms since epoch; the start of the proving pass, so never later than the read). */
  at: number;
}

export const proofKey = (group: string, toTopic: string, partition: number) =>
  `${group}\u0000${toTopic}\u0000${partition}`;

/** Where proofs are kept between the worker's passes and read by an unplanned failover (Redis: ExactProofStore). */
export interface ExactProofsPort {
  record(flow: string, at: number, groups: GroupTranslation[]): Promise<{ kept: number; dropped: number }>;
  all(flow: string): Promise<Map<string, StoredProof>>;
}

/**
 * The newest proven exact translation per (flow, group, target partition), in one Redis hash per flow. A pass
 * writes every partition it proved and drops the stored proof of every partition it could not prove now (the
 * group may have rewound, the target may have been recreated): what is kept was true at its time.
 */
export class ExactProofStore implements ExactProofsPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(flow: string): string {
    return `${this.prefix}:exact-proofs:${flow}`;
  }

  async record(flow: string, at: number, groups: GroupTranslation[]) {
    const keep: string[] = [];
    const drop: string[] = [];
    for (const g of groups)
      for (const r of g.rows) {
        if (r.fromCommitted === null) continue;
        const field = proofKey(g.group, r.toTopic, r.partition);
        if (r.exact?.proven && r.exact.offset !== null)
          keep.push(
            field,
            JSON.stringify({ committed: r.fromCommitted, offset: r.exact.offset, at } satisfies StoredProof),
          );
        else drop.push(field);
      }
    const m = this.redis.multi();
    if (keep.length) m.hset(this.k(flow), ...keep);
    if (drop.length) m.hdel(this.k(flow), ...drop);
    if (keep.length || drop.length) await m.exec();
    return { kept: keep.length / 2, dropped: drop.length };
  }

  async all(flow: string): Promise<Map<string, StoredProof>> {
    const raw = await this.redis.hgetall(this.k(flow));
    return new Map(Object.entries(raw).map(([f, v]) => [f, JSON.parse(v) as StoredProof]));
  }
}
