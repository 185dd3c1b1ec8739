import { describe, expect, it } from 'vitest';
import { evaluateGroup, type GroupSample } from '../../src/health/group-window.js';

const series = (members: number, points: Array<[number, number]>): GroupSample[] =>
  points.map((p, i) => ({ at: i * 1000, members, partitions: { 'orders:0': p } }));

describe('consumer-group window (Burrow-style)', () => {
  it('needs a few samples first', () => {
    expect(evaluateGroup(series(1, [[0, 10]])).status).toBe('NO_HISTORY');
  });

  it('OK when caught up or when lag goes down', () => {
    expect(
      evaluateGroup(
        series(1, [
          [5, 10],
          [10, 12],
          [14, 14],
        ]),
      ).status,
    ).toBe('OK');
    expect(
      evaluateGroup(
        series(1, [
          [5, 20],
          [12, 24],
          [20, 25],
        ]),
      ).status,
    ).toBe('OK');
  });

  it('WARN when the group commits but lag never decreases', () => {
    const v = evaluateGroup(
      series(1, [
        [5, 10],
        [6, 13],
        [7, 20],
      ]),
    );
    expect(v).toEqual({ status: 'WARN', reason: 'orders:0: lag grew from 5 to 13 and never decreased' });
  });

  it('STOP when the offset stands still with lag and no members; STALL when members are there', () => {
    expect(
      evaluateGroup(
        series(0, [
          [5, 10],
          [5, 15],
          [5, 20],
        ]),
      ),
    ).toMatchObject({ status: 'STOP', reason: expect.stringContaining('no members') });
    expect(
      evaluateGroup(
        series(2, [
          [5, 10],
          [5, 15],
          [5, 20],
        ]),
      ),
    ).toMatchObject({ status: 'STALL', reason: expect.stringContaining('2 member(s)') });
  });

  it('REWIND when a committed offset goes backwards, whatever else happens', () => {
    expect(
      evaluateGroup(
        series(1, [
          [50, 60],
          [10, 60],
          [60, 60],
        ]),
      ),
    ).toMatchObject({ status: 'REWIND' });
  });

  it('reports the worst partition of the group', () => {
    const samples: GroupSample[] = [0, 1, 2].map((i) => ({
      at: i,
      members: 0,
      partitions: {
        'a:0': [10 + i * 5, 10 + i * 5] as [number, number],
        'a:1': [3, 10 + i] as [number, number],
      },
    }));
    expect(evaluateGroup(samples)).toMatchObject({ status: 'STOP', reason: expect.stringContaining('a:1') });
  });
});
