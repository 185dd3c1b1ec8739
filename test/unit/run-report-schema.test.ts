import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { buildReport, runReportJsonSchema } from '../../src/runbook/report-schema.js';
import type { Run } from '../../src/runbook/types.js';

const shipped = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../schemas/run-report.schema.json'), 'utf8'),
);
// date-times are checked by their pattern
const validate = new Ajv2020({ allErrors: true, validateFormats: false }).compile(shipped);

const config = parseConfig(
  `clusters:
  primary: { bootstrap: ["127.0.0.1:9"] }
  dr: { bootstrap: ["127.0.0.1:9"], connect: { url: "http://127.0.0.1:9" } }
flows:
  - name: p2d
    source: primary
    target: dr
    mm2: { mode: connect, connectors: { source: s, checkpoint: c } }
    rto: 10m
`,
  {},
);
const flow = config.flows[0]!;

const run = (over: Partial<Run> = {}): Run => ({
  run: 'r-0001',
  flow: 'p2d',
  kind: 'failover',
  mode: 'unplanned',
  drill: true,
  state: 'completed',
  requester: 'U0ALICE',
  transport: 'slack',
  groups: ['g1'],
  pair: 'dr|primary',
  startedAt: '2026-12-02T10:00:00.000Z',
  endedAt: '2026-12-02T10:03:00.000Z',
  steps: [
    {
      id: 'verify',
      state: 'done',
      gate: 'auto',
      startedAt: '2026-12-02T10:02:00.000Z',
      endedAt: '2026-12-02T10:02:30.000Z',
      machineMs: 30_000,
      waitMs: 0,
      checks: [{ name: 'g1 lag trend', pass: true, value: 'PASS', limit: 'PASS' }],
    },
  ],
  measurements: { rtoMs: 150_000, rpoRecords: 12, rpoWindowMs: 2100 },
  splitBrain: null,
  problems: [],
  version: 7,
  ...over,
});

describe('run report (schemas/run-report.schema.json)', () => {
  it('the shipped schema is the one the code defines (`npm run schemas` rewrites it)', () => {
    expect(shipped).toEqual(JSON.parse(JSON.stringify(runReportJsonSchema())));
  });

  it('a report validates; RTO runs from the open (unplanned) to the end of verify', () => {
    const r = buildReport(run(), flow);
    expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    expect(r.rto).toMatchObject({ ms: 150_000, from: run().startedAt, to: '2026-12-02T10:02:30.000Z' });
    expect(r.rpo.basis).toContain('lower bound');
    expect(r).toMatchObject({ verdict: 'met', drill: true, targets: { rtoMs: 600_000 } });
  });

  it('verdicts: over the RTO target is missed, a failed check is missed, an aborted run is incomplete', () => {
    expect(buildReport(run({ measurements: { rtoMs: 700_000 } }), flow)).toMatchObject({
      verdict: 'missed',
      verdictWhy: expect.stringContaining('over the flow'),
    });
    const failing = run();
    failing.steps[0]!.checks[0]!.pass = false;
    expect(buildReport(failing, flow).verdict).toBe('missed');
    const aborted = buildReport(run({ state: 'aborted', measurements: {} }), flow);
    expect(aborted).toMatchObject({ verdict: 'incomplete', rto: { ms: null, from: null } });
    expect(validate(aborted), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the schema rejects what breaks the contract', () => {
    const r = buildReport(run(), flow) as unknown as Record<string, unknown>;
    expect(validate({ ...r, verdict: 'great' })).toBe(false);
    const { rto: _rto, ...noRto } = r;
    expect(validate(noRto)).toBe(false);
    expect(validate({ ...r, rpo: { records: -1, windowMs: null, basis: 'x' } })).toBe(false);
  });
});
