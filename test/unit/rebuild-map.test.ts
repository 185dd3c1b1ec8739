import { describe, expect, it } from 'vitest';
import {
  type CopyMap,
  carriedOffset,
  extend,
  rebuiltOffset,
  withRebuiltRows,
} from '../../src/runbook/failback/rebuild-map.js';
import type { TranslationReport } from '../../src/translate/types.js';

/** DR offsets 10..14 copied, a gap at 15 (a transaction marker), then 16..17: new offsets 0..6. */
function gappy(): CopyMap {
  const m: CopyMap = { start: 10, end: 18, newEnd: 7, segments: [] };
  [10, 11, 12, 13, 14, 16, 17].forEach((d, n) => {
    extend(m.segments, d, n);
  });
  return m;
}

describe('rebuild map', () => {
  it('keeps one segment per run of consecutive offsets', () => {
    expect(gappy().segments).toEqual([
      { d: 10, n: 0, len: 5 },
      { d: 16, n: 5, len: 2 },
    ]);
  });

  it('maps a DR position to the first copied record at or after it, never past it', () => {
    const m = gappy();
    expect(rebuiltOffset(m, 0)).toBe(0); // before DR's log start: from the beginning
    expect(rebuiltOffset(m, 10)).toBe(0);
    expect(rebuiltOffset(m, 13)).toBe(3);
    expect(rebuiltOffset(m, 15)).toBe(5); // on the gap: the next record, 16
    expect(rebuiltOffset(m, 17)).toBe(6);
    expect(rebuiltOffset(m, 18)).toBe(7); // at DR's end: the rebuilt end
    expect(rebuiltOffset(m, 99)).toBe(7);
  });

  it('carries an old primary commit through the offset syncs (lower bound), past everything when it read the orphans', () => {
    const m: CopyMap = { start: 0, end: 10, newEnd: 10, segments: [{ d: 0, n: 0, len: 10 }] };
    const syncs = [
      { topic: 't', partition: 0, upstreamOffset: 0n, downstreamOffset: 0n },
      { topic: 't', partition: 0, upstreamOffset: 4n, downstreamOffset: 4n },
    ];
    expect(carriedOffset(m, 4, 10, syncs)).toBe(4); // at a sync point: exact
    expect(carriedOffset(m, 7, 10, syncs)).toBe(5); // between syncs: the record after the sync, re-reads 5..6
    expect(carriedOffset(m, 12, 10, syncs)).toBe(10); // it had read records DR never got
    expect(carriedOffset(m, 3, 10, [])).toBe(0); // no sync: from the start
  });

  it('replaces the sync-based failback translation of rebuilt partitions only', () => {
    const row = {
      fromTopic: 'primary.t',
      partition: 0,
      fromCommitted: 15,
      basis: null,
      translated: null,
      toCommitted: null,
      delta: null,
      toEnd: 7,
      ageMs: null,
      flags: ['no-sync' as const],
    };
    const report = {
      groups: [
        {
          group: 'g',
          toState: 'Empty',
          toMembers: 0,
          rows: [
            { ...row, toTopic: 't' },
            { ...row, toTopic: 'u' },
          ],
        },
      ],
    } as unknown as TranslationReport;
    const [rebuilt, other] = withRebuiltRows(report, { 't:0': gappy() }).groups[0]!.rows;
    expect(rebuilt).toMatchObject({ translated: 5, basis: 15, flags: [] });
    expect(other).toMatchObject({ translated: null, flags: ['no-sync'] });
  });
});
