import { describe, expect, it } from 'vitest';
import { planCommit } from '../../src/translate/commit-plan.js';
import { failbackRows, invertSync } from '../../src/translate/failback.js';
import { forwardRows } from '../../src/translate/rows.js';
import type { ExactRow, TranslationReport, TranslationRow } from '../../src/translate/types.js';
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

describe('commit plan', () => {
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

describe('an exact offsets plan (translate --exact --commit, the planned failover offsets step)', () => {
  const row = (p: number, committed: number, basis: number, translated: number, exact: ExactRow) => ({
    fromTopic: 'orders',
    toTopic: 'primary.orders',
    partition: p,
    fromCommitted: committed,
    basis,
    translated,
    toCommitted: null,
    delta: null,
    toEnd: 100,
    ageMs: 0,
    flags: [],
    exact,
  });
  const exactReport = (rows: TranslationRow[]) =>
    report({
      groups: [{ group: 'g', toState: 'Empty', toMembers: 0, rows }],
      exact: {
        partitions: rows.length,
        proven: 1,
        rereadsSaved: 39,
        syncsTopic: 'mm2-offset-syncs.dr.internal',
      },
    });
  it('shows per group the re-reads with MM2 and with kdr; the hash binds only the offsets written', async () => {
    const { offsetsPlan, offsetsArgs } = await import('../../src/translate/offsets-change.js');
    const rows = [
      // proven: kdr 40 where MM2's checkpoint said 1 (39 re-reads saved)
      row(0, 40, 40, 40, { proven: true, offset: 40, mm2: 1, rereadsSaved: 39, mm2Rereads: 39 }),
      // fallback: MM2's checkpoint (12) stands for source offset 12, the group committed 15: 3 re-reads either way
      row(1, 15, 15, 12, {
        proven: false,
        offset: null,
        mm2: 12,
        rereadsSaved: null,
        mm2Rereads: 3,
        reason: 'x',
      }),
      // proven where MM2 has no checkpoint at all
      row(2, 7, 7, 7, { proven: true, offset: 7, mm2: null, rereadsSaved: null, mm2Rereads: null }),
    ];
    const a = offsetsArgs.parse({ flow: 'f', groups: ['g'], exact: true });
    const p = offsetsPlan(exactReport(rows), a);
    expect(p.body.groups[0]!.rereads).toEqual({ kdr: 3, mm2: 42, noCheckpoint: 1, proven: 2, partitions: 3 });
    expect(p.body.groups[0]!.changes.map((c) => [c.to, c.by, c.mm2, c.rereads, c.mm2Rereads])).toEqual([
      [40, 'kdr', 1, 0, 39],
      [12, 'mm2', 12, 3, 3],
      [7, 'kdr', null, 0, null],
    ]);
    expect(p.text).toContain(
      "re-reads after failover: 42 with MM2's checkpoints, 3 with kdr's (2 of 3 partition(s) proven",
    );
    expect(p.text).toMatch(/g\s+3\s+2\s+42 \(\+1 p\. without a checkpoint\)\s+3/);
    // the same offsets with other figures beside them: the same plan
    const moved = rows.map((r) => ({ ...r }));
    moved[1] = row(1, 16, 16, 12, {
      proven: false,
      offset: null,
      mm2: 12,
      rereadsSaved: null,
      mm2Rereads: 4,
      reason: 'x',
    });
    expect(offsetsPlan(exactReport(moved), a).hash).toBe(p.hash);
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
