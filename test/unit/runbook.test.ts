import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import type { RunbookDeps } from '../../src/runbook/engine.js';
import { advance, openRun } from '../../src/runbook/engine.js';
import { runHook } from '../../src/runbook/hooks.js';
import { abortChange, controlRun } from '../../src/runbook/run-control.js';
import { FAILOVER_STEPS } from '../../src/runbook/steps/index.js';
import { fakePorts } from '../fakes/fake-ports.js';
import { MemoryRuns } from '../fakes/memory-runs.js';

const config = parseConfig(
  `clusters:
  primary: { bootstrap: ["127.0.0.1:9"] }
  dr: { bootstrap: ["127.0.0.1:9"], connect: { url: "http://127.0.0.1:9" } }
flows:
  - name: p2d
    source: primary
    target: dr
    mm2: { mode: connect, connectors: { source: s, checkpoint: c } }
`,
  {},
);
const deps = (): RunbookDeps => ({
  config,
  log: createLogger('silent'),
  ports: fakePorts(),
  runs: new MemoryRuns(),
  steps: FAILOVER_STEPS,
});
const open = (d: RunbookDeps, mode: 'planned' | 'unplanned' = 'planned') =>
  openRun(d, { flow: 'p2d', mode, drill: false, groups: [], requester: 'U0ALICE', transport: 'cli' });
const actor = { transport: 'cli' as const, user: 'cli:me@h' };

describe('runbook rules (fakes)', () => {
  it('one run per cluster pair: the second is refused naming the first', async () => {
    const d = deps();
    const first = await open(d);
    await expect(open(d)).rejects.toThrow(`run ${first.run}`);
    expect(first.steps.map((s) => `${s.id}:${s.state}`)).toEqual([
      'open:done',
      'assess:pending',
      'freeze:pending',
      'drain:pending',
      'fence:pending',
      'offsets:pending',
      'cutover:pending',
      'registry:skipped',
      'verify:pending',
      'declare:pending',
    ]);
  });

  it('a step whose plan cannot be stored fails with the reason instead of waiting for ever', async () => {
    const d = deps();
    // a plan body JSON cannot hold (a bigint): the claimed step must not stay "awaiting approval" with no plan
    d.steps = [{ ...FAILOVER_STEPS[1]!, id: 'freeze', plan: async () => ({ text: 'x', body: { n: 1n } }) }];
    d.enqueue = async () => undefined;
    const run = await open(d);
    const after = await advance(d, run.run);
    const step = after.steps.find((s) => s.id === 'freeze');
    expect(step?.state).toBe('failed');
    expect(step?.result).toContain('could not store the plan of freeze');
  });

  it('unplanned: no freeze', async () => {
    const run = await open(deps(), 'unplanned');
    expect(run.steps.find((s) => s.id === 'freeze')?.state).toBe('skipped');
  });

  it('abort is refused once clients were switched, and points to failback', async () => {
    const d = deps();
    const run = await open(d);
    await d.runs.update(run.run, (r) => {
      for (const s of r.steps)
        if (['assess', 'freeze', 'drain', 'fence', 'offsets', 'cutover'].includes(s.id)) s.state = 'done';
      return r;
    });
    const plan = await abortChange(d).plan({ config, log: d.log, ports: d.ports }, { run: run.run });
    expect(plan.refusals.map((r) => r.hint).join(' ')).toContain('kdr failback p2d');
    expect(plan.text).toContain('undo fence');
  });

  it('pause holds the run, resume and retry only from the states they apply to', async () => {
    const d = deps();
    const run = await open(d);
    await expect(controlRun(d, run.run, 'resume', actor)).rejects.toThrow('cannot resume');
    expect((await controlRun(d, run.run, 'pause', actor)).state).toBe('paused');
    await expect(controlRun(d, run.run, 'retry', actor)).rejects.toThrow('cannot retry');
    await expect(controlRun(d, run.run, 'skip', actor)).rejects.toThrow('cannot skip'); // no optional step asks
    expect((await controlRun(d, run.run, 'resume', actor)).state).toBe('running');
  });

  it("hooks: a command runs without a shell, its output is captured with kdr's secrets redacted, failure reported", async () => {
    const withSecret = parseConfig(
      `clusters:
  primary: { bootstrap: ["127.0.0.1:9"], sasl: { mechanism: plain, username: u, password: "s3cr3t-pw" } }
hooks:
  stopProducers: { command: ["sh", "-c", "echo writes off with s3cr3t-pw; exit 3"] }
`,
      {},
    );
    const r = await runHook(withSecret, 'stopProducers', { run: 'r-1' });
    expect(r?.ok).toBe(false);
    expect(r?.output).toContain('writes off with [redacted]');
    expect(r?.output).not.toContain('s3cr3t-pw');
    expect(await runHook(withSecret, 'redirectClients', {})).toBeUndefined();
  });
});
