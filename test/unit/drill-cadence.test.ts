import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { drillReminder } from '../../src/runbook/drill-cadence.js';
import type { Run } from '../../src/runbook/types.js';

const flowWith = (drill: string) =>
  parseConfig(
    `clusters:
  primary: { bootstrap: ["127.0.0.1:9"] }
  dr: { bootstrap: ["127.0.0.1:9"], connect: { url: "http://127.0.0.1:9" } }
flows:
  - name: p2d
    source: primary
    target: dr
    mm2: { mode: connect, connectors: { source: s, checkpoint: c } }
    ${drill}
`,
    {},
  ).flows[0]!;

const DAY = 86_400_000;
const now = Date.parse('2026-12-02T12:00:00.000Z');
const drill = (id: string, daysAgo: number, state: Run['state'] = 'completed', isDrill = true): Run => ({
  run: id,
  flow: 'p2d',
  kind: 'failover',
  mode: 'planned',
  drill: isDrill,
  state,
  requester: 'U0ALICE',
  transport: 'slack',
  groups: [],
  pair: 'dr|primary',
  startedAt: new Date(now - daysAgo * DAY - 60_000).toISOString(),
  endedAt: new Date(now - daysAgo * DAY).toISOString(),
  steps: [],
  measurements: { rtoMs: 125_000, rpoRecords: 0, rereadsObserved: 3 },
  splitBrain: null,
  problems: [],
  version: 1,
});

describe('drill cadence (flows[].drill)', () => {
  const flow = flowWith('drill: { every: 90d }');

  it('off by default: no reminder ever', () => {
    expect(flowWith('').drill).toEqual({ every: 'off', remind: DAY });
    expect(drillReminder(flowWith(''), [], now)).toBeUndefined();
  });

  it('no reminder while the last successful drill is within the cadence', () => {
    expect(drillReminder(flow, [drill('r-new', 89)], now)).toBeUndefined();
  });

  it("reminds with the last successful drill's figures when it is older; failed drills and real failovers do not count", () => {
    const text = drillReminder(
      flow,
      [drill('r-aborted', 5, 'aborted'), drill('r-real', 3, 'completed', false), drill('r-old', 120)],
      now,
    )!;
    expect(text).toContain('last drilled 120 day(s) ago (policy: a drill every 90 day(s))');
    expect(text).toContain('r-old');
    expect(text).toContain('RTO 2 min 05 s');
    expect(text).toContain('RPO 0 record(s), re-reads 3');
    expect(text).toContain('/kdr failover p2d --drill');
  });

  it('never drilled: says so', () => {
    expect(drillReminder(flow, [], now)).toContain('has never completed a drill');
  });

  it('a bad cadence names the field', () => {
    expect(() => flowWith('drill: { every: soon }')).toThrow(/flows\[0\]\.drill\.every/);
  });
});
