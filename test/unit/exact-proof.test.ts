import { describe, expect, it } from 'vitest';
import type { WindowRecord, WindowResult } from '../../src/kafka/window-reader.js';
import { proveExact, windowsFor } from '../../src/translate/exact-proof.js';

/** Source record n: distinct content per number unless `same` says otherwise. */
const rec = (offset: number, n: number, extra: Partial<WindowRecord> = {}): WindowRecord => ({
  offset: BigInt(offset),
  timestamp: 1_700_000_000_000 + n,
  timestampType: 'create',
  key: Buffer.from(`k${n}`),
  value: Buffer.from(`v${n}`),
  headers: [],
  aborted: false,
  ...extra,
});
const win = (records: WindowRecord[], high?: number): WindowResult => ({
  records,
  logStartAbove: false,
  high: BigInt(high ?? (records.length ? Number(records[records.length - 1]!.offset) + 1 : 0)),
});
const sync = (u: number, d: number) => ({
  topic: 't',
  partition: 0,
  upstreamOffset: BigInt(u),
  downstreamOffset: BigInt(d),
});
/** Source offsets a..b-1 holding records a..b-1. */
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => rec(a + i, a + i));
/** Target: records `ns` (source numbers) written from target offset `at`. */
const copies = (at: number, ns: number[]) => ns.map((n, i) => rec(at + i, n));

describe('exact translation proof (pure)', () => {
  it('bridges from the sync to the group position: source 10..39 copied at 110..139 → 140', () => {
    const o = proveExact(
      40n,
      sync(10, 110),
      win(range(10, 41)),
      win(
        copies(
          110,
          [...Array(31).keys()].map((i) => 10 + i),
        ),
      ),
    );
    expect(o).toMatchObject({ proven: true, offset: 140n, matched: 30 });
  });

  it('a sync at the group position is the answer itself', () => {
    expect(proveExact(40n, sync(40, 7), win(range(40, 41)), win(copies(7, [40])))).toMatchObject({
      proven: true,
      offset: 7n,
    });
  });

  it('MM2 re-sent a run inside the window (task restart): refused, never past the true position', () => {
    // target: 10..24, then a restart from 20: 20..40
    const t = copies(110, [
      ...range(10, 25).map((r) => Number(r.offset)),
      ...range(20, 41).map((r) => Number(r.offset)),
    ]);
    const o = proveExact(40n, sync(10, 110), win(range(10, 41)), win(t));
    expect(o.proven).toBe(false);
    expect(o).toMatchObject({ reason: expect.stringContaining('is not the copy of source offset 25') });
  });

  it('identical records in the window: refused (a re-sent run could hide among them)', () => {
    const src = range(10, 41).map((r) =>
      r.offset === 20n || r.offset === 30n ? rec(Number(r.offset), 99) : r,
    );
    const t = src.map((r, i) => ({ ...r, offset: BigInt(110 + i) }));
    expect(proveExact(40n, sync(10, 110), win(src), win(t))).toMatchObject({
      proven: false,
      reason: expect.stringContaining('source offsets 20 and 30 are identical'),
    });
  });

  it('a record compacted away on the source after it was copied: refused', () => {
    const src = range(10, 41).filter((r) => r.offset !== 25n);
    const t = copies(
      110,
      range(10, 41).map((r) => Number(r.offset)),
    );
    expect(proveExact(40n, sync(10, 110), win(src), win(t)).proven).toBe(false);
  });

  it('gaps MM2 never copied (compaction before the copy, transaction markers) are bridged', () => {
    const src = range(10, 41).filter((r) => r.offset % 3n !== 0n || r.offset === 12n);
    const t = src.map((r, i) => ({ ...r, offset: BigInt(110 + i) }));
    const o = proveExact(40n, sync(10, 110), win(src), win(t));
    expect(o).toMatchObject({ proven: true, offset: BigInt(110 + src.filter((r) => r.offset < 40n).length) });
  });

  it('aborted records: proven whether MM2 copied them (read_uncommitted) or not (read_committed)', () => {
    const src = range(10, 41).map((r) => (r.offset >= 20n && r.offset < 25n ? { ...r, aborted: true } : r));
    const all = src.map((r, i) => ({ ...r, aborted: false, offset: BigInt(110 + i) }));
    expect(proveExact(40n, sync(10, 110), win(src), win(all))).toMatchObject({
      proven: true,
      offset: 140n,
      abortedCopied: true,
    });
    const committed = src.filter((r) => !r.aborted).map((r, i) => ({ ...r, offset: BigInt(110 + i) }));
    expect(proveExact(40n, sync(10, 110), win(src), win(committed))).toMatchObject({
      proven: true,
      offset: 135n,
      abortedCopied: false,
    });
  });

  it('the target has not caught up: refused, naming how many records it holds', () => {
    expect(proveExact(40n, sync(10, 110), win(range(10, 41)), win(copies(110, [10, 11, 12])))).toMatchObject({
      proven: false,
      reason: expect.stringContaining('holds 3 of the 30 records'),
    });
  });

  it('records deleted on the source, a missing anchor copy, LogAppendTime on the target: refused with the reason', () => {
    expect(proveExact(40n, sync(10, 110), { ...win([]), logStartAbove: true }, win([])).proven).toBe(false);
    expect(proveExact(40n, sync(10, 110), win(range(11, 41)), win(copies(110, [10]))).proven).toBe(false);
    expect(proveExact(40n, sync(10, 110), win(range(10, 41)), win(copies(111, [11]))).proven).toBe(false);
    const t = copies(
      110,
      range(10, 41).map((r) => Number(r.offset)),
    ).map((r) => ({
      ...r,
      timestamp: r.timestamp + 5,
      timestampType: 'log-append' as const,
    }));
    expect(proveExact(40n, sync(10, 110), win(range(10, 41)), win(t))).toMatchObject({
      proven: false,
      reason: expect.stringContaining('LogAppendTime'),
    });
  });

  it('reads the source from the sync through the group position, the target as far again', () => {
    expect(windowsFor(40n, sync(10, 110))).toEqual({
      source: { from: 10n, to: 41n },
      target: { from: 110n, to: 141n },
    });
  });
});
