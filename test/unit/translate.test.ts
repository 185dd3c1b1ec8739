import { describe, expect, it } from 'vitest';
import { planCommit } from '../../src/translate/commit-plan.js';
import { failbackRows, invertSync } from '../../src/translate/failback.js';
import { forwardRows } from '../../src/translate/rows.js';
import type { TranslationReport } from '../../src/translate/types.js';
import { judgeTrend } from '../../src/translate/validate.js';

const sync = (u: number, d: number) => ({
  topic: 'orders',
  partition: 0,
  upstreamOffset: BigInt(u),
  downstreamOffset: BigInt(d),
});
const cp = (p: number, u: number, d: number, ts: number) => ({
  group: 'g',
  topic: 'primary.orders',
  partition: p,
  upstreamOffset: BigInt(u),
  downstreamOffset: BigInt(d),
  metadata: '',
  timestamp: ts,
});
const NOW = 1_000_000;

function rows(overrides: Partial<Parameters<typeof forwardRows>[0]> = {}) {
  return forwardRows({
    checkpoints: [cp(0, 10, 8, NOW - 1000), cp(1, 5, 5, NOW - 120_000)],
    fromCommits: [
      { topic: 'orders', partition: 0, offset: 10n },
      { topic: 'orders', partition: 1, offset: 9n },
      { topic: 'orders', partition: 2, offset: 3n },
    ],
    toCommits: [{ topic: 'primary.orders', partition: 0, offset: 9n }],
    toEnds: new Map([['primary.orders', [8n, 4n, 7n]]]),
    toTopicOf: (t) => `primary.${t}`,
    fromTopicOf: (t) => t.replace(/^primary\./, ''),
    now: NOW,
    rpoMs: 60_000,
    ...overrides,
  });
}

describe('forward rows and flags', () => {
  it('takes the checkpoint as is and flags rewind, beyond-end, stale and missing checkpoints', () => {
    const r = rows();
    expect(r.map((x) => [x.partition, x.translated, x.delta, x.flags])).toEqual([
      [0, 8, -1, ['would-rewind']],
      [1, 5, null, ['beyond-end', 'stale']],
      [2, null, null, ['no-checkpoint']],
    ]);
  });

  it('an old checkpoint that equals the source commit is current, not stale', () => {
    const r = rows({
      fromCommits: [{ topic: 'orders', partition: 1, offset: 5n }],
      toEnds: new Map([['primary.orders', [8n, 9n]]]),
    });
    expect(r.find((x) => x.partition === 1)!.flags).toEqual([]);
  });

  it('without the source, an old checkpoint is stale (it cannot be shown current)', () => {
    const r = rows({ fromCommits: null, toEnds: new Map([['primary.orders', [8n, 9n]]]) });
    expect(r.find((x) => x.partition === 1)!.flags).toEqual(['stale']);
  });
});

describe('failback inverts offset syncs', () => {
  const syncs = [sync(100, 0), sync(150, 40)];
  it('exact at a sync point, +1 between, none below the first sync', () => {
    expect(invertSync(0n, syncs)?.offset).toBe(100n);
    expect(invertSync(10n, syncs)?.offset).toBe(101n);
    expect(invertSync(40n, syncs)?.offset).toBe(150n);
    expect(invertSync(45n, syncs)?.offset).toBe(151n);
    expect(invertSync(-1n, syncs)).toBeNull();
  });
  it('rows name the source topic and flag partitions without a sync', () => {
    const r = failbackRows({
      fromCommits: [
        { topic: 'primary.orders', partition: 0, offset: 45n },
        { topic: 'primary.orders', partition: 1, offset: 3n },
        { topic: 'local', partition: 0, offset: 3n },
      ],
      syncs: new Map([['orders:0', syncs]]),
      sourceTopicOf: (t) => (t.startsWith('primary.') ? t.slice(8) : null),
      toCommits: [],
      toEnds: new Map([['orders', [200n, 10n]]]),
    });
    expect(r.map((x) => [x.toTopic, x.partition, x.translated, x.flags])).toEqual([
      ['orders', 0, 151, []],
      ['orders', 1, null, ['no-sync']],
    ]);
  });
});

describe('commit plan', () => {
  const report = (over: Partial<TranslationReport> = {}): TranslationReport => ({
    generatedAt: '',
    flow: 'f',
    direction: 'failover',
    from: 'primary',
    to: 'dr',
    fromReachable: true,
    origin: { kind: 'scan', topic: 't' },
    rpoMs: 60_000,
    groups: [],
    problems: [],
    ...over,
  });
  it('lists every refusal with its code; flags can be overridden where the issue allows', () => {
    const g = { group: 'g', toState: 'Stable', toMembers: 2, rows: rows() };
    const { refusals, plan } = planCommit(report(), g, { allowRewind: false, acceptStale: false });
    expect(refusals.map((r) => r.code)).toEqual([
      'KDR_GROUP_ACTIVE',
      'KDR_BEYOND_END',
      'KDR_WOULD_REWIND',
      'KDR_STALE_CHECKPOINTS',
    ]);
    expect(refusals[0]!.message).toBe('group g has 2 active member(s) on dr (state Stable)');
    expect(plan.skipped.map((s) => s.partition)).toEqual([2]);
    const allowed = planCommit(report(), { ...g, toMembers: 0 }, { allowRewind: true, acceptStale: true });
    expect(allowed.refusals.map((r) => r.code)).toEqual(['KDR_BEYOND_END']);
  });
  it('binds the plan to what it writes: same changes, same hash', () => {
    const g = {
      group: 'g',
      toState: 'Empty',
      toMembers: 0,
      rows: rows({ toEnds: new Map([['primary.orders', [8n, 9n]]]) }),
    };
    const a = planCommit(report(), g, { allowRewind: true, acceptStale: true }).plan;
    const b = planCommit(report(), g, { allowRewind: true, acceptStale: true }).plan;
    expect(a.id).not.toBe(b.id);
    expect(a.hash).toBe(b.hash);
    expect(a.changes).toEqual([
      { topic: 'primary.orders', partition: 0, from: 9, to: 8 },
      { topic: 'primary.orders', partition: 1, from: null, to: 5 },
    ]);
  });
});

describe('lag trend (the seed validation rule)', () => {
  const s = (...lags: number[]) => lags.map((lag, i) => ({ atMs: i * 1000, lag, committed: 0 }));
  it('decreasing passes, stable warns (unless zero), growing fails', () => {
    expect(judgeTrend(s(10, 4)).verdict).toBe('PASS');
    expect(judgeTrend(s(5, 5)).verdict).toBe('WARN');
    expect(judgeTrend(s(0, 0)).verdict).toBe('PASS');
    expect(judgeTrend(s(3, 9)).verdict).toBe('FAIL');
  });
});

describe('a 500-partition plan in Slack', () => {
  it('stays within Block Kit limits: the message summarises, the whole plan goes to a file', async () => {
    const { approvalMessage, approvalView } = await import('../../src/approval/approval-view.js');
    const { offsetsPlanText } = await import('../../src/translate/offsets-text.js');
    const { findViolations } = await import('../../src/slack/block-limits.js');
    const changes = Array.from({ length: 500 }, (_, i) => ({
      topic: 'primary.orders',
      partition: i,
      from: null,
      to: i * 10,
    }));
    const text = offsetsPlanText(
      {
        flow: 'f',
        direction: 'failover',
        cluster: 'dr',
        groups: [{ group: 'g', changes, skipped: [] }],
        refused: [],
        unchanged: [],
      },
      'a'.repeat(64),
    );
    const plan = {
      id: '11111111-1111-4111-8111-111111111111',
      kind: 'translate.commit',
      resource: 'translate:f:dr:g',
      subject: { flow: 'f', cluster: 'dr', group: 'g' },
      args: {},
      hash: 'a'.repeat(64),
      text,
      requester: 'U0ALICE',
      channel: 'C1',
      createdAt: 0,
      expiresAt: 1,
      needed: 1,
      approvals: [],
      state: 'pending' as const,
    };
    expect(text.length).toBeGreaterThan(10_000);
    expect(findViolations(approvalMessage(plan).blocks)).toEqual([]);
    expect(approvalView.attachment?.(plan)?.content).toBe(text);
  });
});
