export interface LockHolder {
  /** Who: a Slack user id, `plan <id>` or `cli:<user>@<host>`. */
  who: string;
  /** What the holder is doing, e.g. `translate --commit orders-app`. */
  what: string;
  pid: number;
  host: string;
  at: string;
}

/** A lock this process holds: renew it while working, release it at the end. */
export interface HeldLock {
  resource: string;
  token: string;
  ttlMs: number;
  /** Extends the lock by its TTL; false when it is no longer ours (expired and taken, or broken). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export type LockResult =
  | { ok: true; lock: HeldLock }
  | { ok: false; holder: LockHolder; ageMs: number; ttlMs: number };

/** Locks per resource; Redis in production (resource-lock.ts), in memory for unit tests (test/fakes). */
export interface LockPort {
  /** `owner` (a plan id): a lock held under the same owner is taken over (a retry after a crash). */
  acquire(resource: string, holder: LockHolder, ttlMs: number, owner?: string): Promise<LockResult>;
  list(): Promise<Array<{ resource: string; holder: LockHolder; ageMs: number; ttlMs: number }>>;
  breakIf(resource: string, expectedAt: string): Promise<boolean>;
  holder(resource: string): Promise<LockHolder | undefined>;
}
