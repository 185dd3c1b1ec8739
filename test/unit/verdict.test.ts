import { describe, expect, it } from 'vitest';
import { judgeFlow, type VerdictInput } from '../../src/health/verdict.js';

const base: VerdictInput = {
  rpoMs: 60_000,
  warnRatio: 0.5,
  hysteresis: 0.2,
  heartbeatAgeMs: 800,
  maxLagMs: 0,
  targetReachable: true,
  heartbeatTopic: 'primary.heartbeats',
  connectorProblems: [],
};

describe('RPO verdict', () => {
  it('says ok, warn and breach with the numbers in words', () => {
    expect(judgeFlow(base)).toMatchObject({ verdict: 'ok', reason: 'heartbeats 800 ms old, RPO 1 min 00 s' });
    expect(judgeFlow({ ...base, heartbeatAgeMs: 31_000 })).toMatchObject({
      verdict: 'warn',
      reason: 'heartbeats 31.0 s old, warning at 30.0 s (RPO 1 min 00 s)',
    });
    expect(judgeFlow({ ...base, heartbeatAgeMs: 94_000 })).toMatchObject({
      verdict: 'breach',
      reason: 'heartbeats 1 min 34 s old, RPO 1 min 00 s',
    });
  });

  it('judges the worse of heartbeat age and the oldest unreplicated record', () => {
    expect(judgeFlow({ ...base, maxLagMs: 70_000 })).toMatchObject({
      verdict: 'breach',
      reason: 'oldest unreplicated record 1 min 10 s old, RPO 1 min 00 s',
      latencyMs: 70_000,
    });
  });

  it('is unknown when the target is unreachable or no heartbeat exists, saying why', () => {
    expect(judgeFlow({ ...base, targetReachable: false }).verdict).toBe('unknown');
    expect(judgeFlow({ ...base, heartbeatAgeMs: null }).reason).toContain('primary.heartbeats');
  });

  it('warns on connector problems even when fresh', () => {
    expect(judgeFlow({ ...base, connectorProblems: ['source connector x is PAUSED'] })).toMatchObject({
      verdict: 'warn',
      reason: expect.stringContaining('PAUSED'),
    });
  });

  it('does not flap: leaving a level needs the figure to fall below threshold × (1 − hysteresis)', () => {
    expect(judgeFlow({ ...base, heartbeatAgeMs: 55_000 }, 'breach').verdict).toBe('breach');
    expect(judgeFlow({ ...base, heartbeatAgeMs: 47_000 }, 'breach').verdict).toBe('warn');
    expect(judgeFlow({ ...base, heartbeatAgeMs: 25_000 }, 'warn').verdict).toBe('warn');
    expect(judgeFlow({ ...base, heartbeatAgeMs: 23_000 }, 'warn').verdict).toBe('ok');
    expect(judgeFlow({ ...base, heartbeatAgeMs: 25_000 }).verdict).toBe('ok');
  });
});
