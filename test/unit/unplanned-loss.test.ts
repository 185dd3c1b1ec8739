import { describe, expect, it } from 'vitest';
import { lossFrom, lossText } from '../../src/runbook/unplanned-loss.js';

describe('unplanned loss, counted without the primary', () => {
  it('records between MM2’s stored position and the end last seen, per partition', () => {
    const r = lossFrom(
      { 'orders:0': 120, 'orders:1': 80, 'payments:0': 5 },
      new Map([
        ['orders:0', 99], // replicated up to offset 99: next is 100, 20 lost
        ['orders:1', 79], // all replicated
      ]),
    );
    expect(r.records).toBe(20 + 0 + 5); // payments:0 never replicated: all of it
    expect(r.replicated).toEqual({ 'orders:0': 100, 'orders:1': 80, 'payments:0': 0 });
  });

  it('a position past the last seen end (MM2 replicated more after the last sight) counts nothing', () => {
    expect(lossFrom({ 'orders:0': 10 }, new Map([['orders:0', 14]])).records).toBe(0);
  });

  it('says it is a lower bound, and why when it cannot be counted', () => {
    expect(
      lossText(
        { records: 3, seenAt: '', sinceSeenMs: 4000, partitions: 2, replicated: {}, seenEnds: {} },
        'primary',
      ),
    ).toContain('at least 3 record(s) on 2 partition(s)');
    expect(lossText({ records: null, why: 'no check saw it' }, 'primary')).toBe(
      'loss unknown: no check saw it',
    );
  });
});
