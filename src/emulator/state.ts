/** What the emulator remembers: every call, every message, every response_url use, and pacing flags. */
export interface RecordedCall {
  seq: number;
  at: number;
  method: string;
  args: Record<string, unknown>;
  token?: string;
  response: Record<string, unknown>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  user: string;
  edited?: number;
  ephemeralTo?: string;
  threadTs?: string;
}

export interface Fault {
  method: string;
  times: number;
  status?: number;
  retryAfter?: number;
  error?: string;
  delayMs?: number;
}

export interface StoredFile {
  id: string;
  filename: string;
  length: number;
  content?: string;
  title?: string;
  channel?: string;
  threadTs?: string;
}

/** Posts to one channel Slack accepts in a burst before it answers 429 with Retry-After. */
export const POST_BURST = 5;

/** The workspace's people: the sandbox config's approvers (U0ALICE, U0BOB) and a few others. */
export const EMULATOR_USERS: Record<string, string> = {
  U0ALICE: 'Alice Oncall',
  U0BOB: 'Bob Approver',
  U0CAROL: 'Carol Viewer',
  U0DAVE: 'Dave Lead',
};

export class EmulatorState {
  files = new Map<string, StoredFile>();
  users = new Map(Object.entries(EMULATOR_USERS));
  /** Usergroup id → member user ids (`usergroups.users.list`). */
  usergroups = new Map<string, string[]>([['S0DRLEADS', ['U0DAVE']]]);
  baseUrl = '';
  seq = 0;
  calls: RecordedCall[] = [];
  messages: StoredMessage[] = [];
  responseUrlUses = new Map<string, Array<{ at: number; body: unknown }>>();
  paceViolations: Array<{ channel: string; gapMs: number; at: number }> = [];
  faults: Fault[] = [];
  private lastPostAt = new Map<string, number>();
  private lastTs = 0;

  nextTs(): string {
    const now = Date.now() * 1000;
    this.lastTs = Math.max(now, this.lastTs + 1);
    const s = String(this.lastTs);
    return `${s.slice(0, -6)}.${s.slice(-6)}`;
  }

  /** Slack allows about 1 post/s per channel (short bursts pass); the emulator flags every closer pair. */
  notePost(channel: string): void {
    const now = Date.now();
    const last = this.lastPostAt.get(channel);
    if (last !== undefined && now - last < 1000)
      this.paceViolations.push({ channel, gapMs: now - last, at: now });
    this.lastPostAt.set(channel, now);
  }

  /** Channels the bot is not a member of: posting there answers `not_in_channel`, as Slack does. */
  notIn = new Set<string>();
  /** chat.postMessage per channel: a burst of POST_BURST, then one per second (Slack's special limit). */
  private buckets = new Map<string, { tokens: number; at: number }>();

  /** Seconds to wait before the next post to `channel` is accepted (0: take it now). */
  takePostToken(channel: string): number {
    const now = Date.now();
    const b = this.buckets.get(channel) ?? { tokens: POST_BURST, at: now };
    b.tokens = Math.min(POST_BURST, b.tokens + (now - b.at) / 1000);
    b.at = now;
    this.buckets.set(channel, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(1 - b.tokens));
  }

  takeFault(method: string): Fault | undefined {
    const f = this.faults.find((x) => (x.method === method || x.method === '*') && x.times > 0);
    if (f) f.times--;
    return f;
  }

  reset(): void {
    this.calls = [];
    this.messages = [];
    this.files.clear();
    this.responseUrlUses.clear();
    this.paceViolations = [];
    this.faults = [];
    this.lastPostAt.clear();
    this.notIn.clear();
    this.buckets.clear();
  }
}
