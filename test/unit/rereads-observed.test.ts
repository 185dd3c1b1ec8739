import { describe, expect, it } from 'vitest';
import type { TailRecord } from '../../src/kafka/types.js';
import {
  matchWindow,
  observedFromMatch,
  predictedRereads,
  type RereadRow,
} from '../../src/runbook/rereads.js';

const rec = (offset: number, value: string, timestamp = 1000 + offset): TailRecord => ({
  topic: 't',
  partition: 0,
  offset: BigInt(offset),
  timestamp,
  key: Buffer.from('k'),
  value: Buffer.from(value),
});

const row = (over: Partial<RereadRow> = {}): RereadRow => ({
  group: 'g',
  fromTopic: 't',
  toTopic: 'primary.t',
  partition: 0,
  fromCommitted: 20,
  basis: 17,
  written: 7,
  ...over,
});

describe('re-reads after a failover', () => {
  it('predicted: the records between the translation basis and where the group was', () => {
    expect(predictedRereads(row())).toBe(3);
    expect(predictedRereads(row({ basis: 20 }))).toBe(0);
    expect(predictedRereads(row({ basis: null }))).toBe(0);
  });

  it('observed: from where it resumes to the copy of the last record it consumed', () => {
    // target offsets 0..19 hold source records 10..29 (target started later): source 19 is target 9
    const target = Array.from({ length: 20 }, (_, i) => rec(i, `v${i + 10}`, 2000 + i));
    const last = rec(19, 'v19', 2009);
    expect(observedFromMatch(last, target, 7, 3)).toBe(3); // resumes at 7: reads 7, 8, 9 again
    expect(observedFromMatch(last, target, 10, 0)).toBe(0);
    expect(observedFromMatch(last, target, 12, 0)).toBe(-2); // would skip 10 and 11
  });

  it('identical copies: the one nearest the predicted position counts; none: null', () => {
    const same = (o: number) => rec(o, 'dup', 5);
    const last = { ...same(99), offset: 99n };
    expect(observedFromMatch(last, [same(3), same(8), same(30)], 6, 3)).toBe(3); // match at 8: 8 + 1 − 6
    expect(observedFromMatch(rec(1, 'nowhere'), [rec(1, 'x')], 0, 0)).toBeNull();
  });

  it('the window around the predicted position covers a skip as well as re-reads', () => {
    expect(matchWindow(row(), 5)).toEqual({ from: 1, to: 15 });
  });
});
