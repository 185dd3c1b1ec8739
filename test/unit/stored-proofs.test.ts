import { describe, expect, it } from 'vitest';
import { chooseStored, ORDER_MARGIN_MS } from '../../src/translate/stored-proofs.js';

/**
 * The unplanned failover's choice between MM2's checkpoint and kdr's stored proof, against every history of one
 * partition: a group's commits over time, MM2 checkpointing some of them (at a sync point: d_c at or before the
 * commit's true position) and kdr proving some (d_p exactly the true position). Records map 1:1 (true position of
 * commit g is g). The invariant: the offset chosen is never past the true position of the group's last commit
 * known to either (no skip), and when the proof is the newest fact it is used.
 */
describe('chooseStored', () => {
  const T = 1_000_000;
  it('no checkpoint: the proof', () => {
    expect(chooseStored(null, { committed: 40, offset: 40, at: T })).toMatchObject({
      offset: 40,
      used: 'proof',
    });
  });
  it('the proof is newer than the checkpoint: its offset, even if the checkpoint saw a higher commit before', () => {
    expect(
      chooseStored({ committed: 30, offset: 1, at: T }, { committed: 40, offset: 40, at: T + 1 }).offset,
    ).toBe(40);
    // the group went back from 60 to 40 before the proof: MM2's 55 would skip 15 records
    expect(
      chooseStored({ committed: 60, offset: 55, at: T }, { committed: 40, offset: 40, at: T + 1 }).offset,
    ).toBe(40);
  });
  it('a newer checkpoint after a rewind below the proof wins: never past the rewind', () => {
    const c = chooseStored(
      { committed: 10, offset: 1, at: T + ORDER_MARGIN_MS + 1 },
      { committed: 40, offset: 40, at: T },
    );
    expect(c).toMatchObject({ offset: 1, used: 'checkpoint' });
    expect(c.why).toContain('went back');
  });
  it('a newer checkpoint at or past the proof: the higher of the two', () => {
    const later = T + ORDER_MARGIN_MS + 1;
    expect(
      chooseStored({ committed: 50, offset: 41, at: later }, { committed: 40, offset: 40, at: T }).offset,
    ).toBe(41);
    expect(
      chooseStored({ committed: 50, offset: 35, at: later }, { committed: 40, offset: 40, at: T }).offset,
    ).toBe(40);
  });
  it('too close in time to order: the lower offset', () => {
    expect(
      chooseStored({ committed: 50, offset: 45, at: T + 10 }, { committed: 40, offset: 40, at: T }).offset,
    ).toBe(40);
    expect(
      chooseStored({ committed: 10, offset: 1, at: T + 10 }, { committed: 40, offset: 40, at: T }).offset,
    ).toBe(1);
  });
  it('random histories: never a skip, and the newest proof used when it is the newest fact', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5000; i++) {
      // commits at times 0..n (seconds apart, or closer), some rewinds
      const commits: Array<{ at: number; g: number }> = [];
      let g = 0;
      let at = T;
      for (let k = 0; k < 8; k++) {
        g = rnd() < 0.2 ? Math.floor(g * rnd()) : g + Math.floor(rnd() * 50);
        at += rnd() < 0.3 ? Math.floor(rnd() * 3000) : Math.floor(rnd() * 20_000);
        commits.push({ at, g });
      }
      const pick = () => commits[Math.floor(rnd() * commits.length)]!;
      const cp = pick();
      const pr = pick();
      // MM2 stamps its checkpoint a moment after reading the commit (< margin); its offset is a sync at or before g
      const stampedAt = cp.at + Math.floor(rnd() * (ORDER_MARGIN_MS / 2));
      const checkpoint = {
        committed: cp.g,
        offset: cp.g - Math.floor(rnd() * Math.min(cp.g + 1, 100)),
        at: stampedAt,
      };
      // the proof pass starts before it reads the commit
      const proof = { committed: pr.g, offset: pr.g, at: pr.at - Math.floor(rnd() * 1000) };
      const newest = [cp, pr].sort((a, b) => b.at - a.at)[0]!;
      const chosen = chooseStored(checkpoint, proof);
      // never past the true position of the newer of the two commits
      expect(chosen.offset, JSON.stringify({ checkpoint, proof, chosen })).toBeLessThanOrEqual(newest.g);
      if (pr.at > stampedAt + 1000 && pr.g >= checkpoint.offset) expect(chosen.offset).toBe(proof.offset);
    }
  });
});
