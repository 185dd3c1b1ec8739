import { describe, expect, it } from 'vitest';
import { expectedRereads } from '../../src/mm2/rereads.js';

const sync = (u: number, d: number) => ({
  topic: 't',
  partition: 0,
  upstreamOffset: BigInt(u),
  downstreamOffset: BigInt(d),
});

describe('expected re-reads after a failover', () => {
  it('is zero when the group sits exactly on a sync', () => {
    expect(expectedRereads(100n, 98n, [sync(50, 48), sync(100, 98)])).toBe(0);
  });

  it('counts the records between the sync MM2 used (+1) and the committed offset', () => {
    // sync at upstream 50 → downstream 48; group at 80 translates to 49: records 51..79 are read again
    expect(expectedRereads(80n, 49n, [sync(50, 48), sync(100, 98)])).toBe(29);
  });

  it('adds commits made after the checkpoint', () => {
    expect(expectedRereads(120n, 98n, [sync(100, 98)])).toBe(20);
  });

  it('extrapolates back from the oldest surviving sync after compaction, and assumes 1:1 without syncs', () => {
    expect(expectedRereads(10n, 4n, [sync(20, 19)])).toBe(5);
    expect(expectedRereads(10n, 4n, undefined)).toBe(6);
  });

  it('is negative when the translation would skip records', () => {
    expect(expectedRereads(10n, 15n, [sync(10, 10)])).toBe(-5);
  });
});
