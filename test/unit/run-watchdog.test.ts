import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import type { RunbookDeps } from '../../src/runbook/engine.js';
import { advance, openRun } from '../../src/runbook/engine.js';
import { reviveStuckRuns } from '../../src/runbook/run-watchdog.js';
import type { RunStep } from '../../src/runbook/step.js';
import { fakePorts } from '../fakes/fake-ports.js';
import type { MemoryPlanStore } from '../fakes/memory-plan-store.js';
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
const step = (id: RunStep['id'], gate: RunStep['gate']): RunStep => ({
  id,
  gate,
  plan: async () => ({ text: `${id} plan`, body: { id } }),
  execute: async () => ({ ok: true, checks: [], result: 'done' }),
});
const STUCK = 60_000;
/** A step plan's id (the engine's randomUUID). */
const PLAN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const later = () => Date.now() + STUCK + 1000;

function deps() {
  const queued: string[] = [];
  const d: RunbookDeps = {
    config,
    log: createLogger('silent'),
    ports: fakePorts(),
    runs: new MemoryRuns(),
    steps: [step('assess', 'auto'), step('freeze', 'approval')],
    enqueue: async (id) => {
      queued.push(id);
    },
  };
  return { d, queued };
}
const open = (d: RunbookDeps, transport: 'slack' | 'cli' = 'slack') =>
  openRun(d, { flow: 'p2d', mode: 'planned', drill: false, groups: [], requester: 'U0ALICE', transport });
const stepOf = async (d: RunbookDeps, run: string, id: string) =>
  (await d.runs.get(run))!.steps.find((s) => s.id === id)!;

describe('run watchdog (fakes)', () => {
  it('a Slack run whose next step nobody planned is planned once, however many workers look', async () => {
    const { d, queued } = deps();
    const run = await open(d);
    // not idle long enough: left alone (the engine may be about to plan it)
    expect(await reviveStuckRuns(d, STUCK)).toEqual([]);
    // two workers' watchdogs at once: advance claims with compare-and-set, one plan, queued once
    await Promise.all([reviveStuckRuns(d, STUCK, later()), reviveStuckRuns(d, STUCK, later())]);
    const assess = await stepOf(d, run.run, 'assess');
    expect(assess.planId).toMatch(PLAN_ID);
    expect(queued).toEqual([assess.planId]);
    expect((await d.ports.plans.get(assess.planId!))?.state).toBe('approved');
  });

  it('a step whose plan Redis lost before approval is planned again, with a problem and an audit entry', async () => {
    const { d } = deps();
    d.steps = [step('freeze', 'approval')];
    const run = await open(d);
    await advance(d, run.run);
    const lost = (await stepOf(d, run.run, 'freeze')).planId!;
    expect((await d.ports.plans.get(lost))?.state).toBe('pending');
    // lost in a master switch (Redis's replication is asynchronous)
    (d.ports.plans as unknown as MemoryPlanStore).plans.delete(lost);

    expect(await reviveStuckRuns(d, STUCK, later())).toEqual([`${run.run}: planned freeze again`]);
    const freeze = await stepOf(d, run.run, 'freeze');
    expect(freeze.planId).toMatch(PLAN_ID);
    expect(freeze.planId).not.toBe(lost);
    expect(freeze.state).toBe('awaiting approval');
    expect((await d.ports.plans.get(freeze.planId!))?.state).toBe('pending');
    const after = (await d.runs.get(run.run))!;
    expect(after.problems.join(' ')).toContain(`its plan ${lost} was lost from Redis`);
    const entries = (d.ports as ReturnType<typeof fakePorts>).audit.entries;
    expect(entries.some((e) => e.action === 'run.step.freeze' && e.outcome.startsWith('planned again'))).toBe(
      true,
    );
    // the new plan exists: a second pass changes nothing
    expect(await reviveStuckRuns(d, STUCK, later())).toEqual([]);
  });

  it('a planning that outlasts stuckAfter gives way to the watchdog: one live plan for the step', async () => {
    const { d } = deps();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let calls = 0;
    d.steps = [
      {
        ...step('freeze', 'approval'),
        plan: async () => {
          if (calls++ === 0) await slow;
          return { text: 'freeze plan', body: { id: 'freeze' } };
        },
      },
    ];
    const run = await open(d);
    const first = advance(d, run.run);
    await new Promise((r) => setImmediate(r));
    const claimed = (await stepOf(d, run.run, 'freeze')).planId!;
    expect(claimed).toMatch(PLAN_ID);
    expect(await reviveStuckRuns(d, STUCK, later())).toEqual([`${run.run}: planned freeze again`]);
    release();
    await first;
    const freeze = await stepOf(d, run.run, 'freeze');
    expect(freeze.planId).not.toBe(claimed);
    expect((await d.ports.plans.get(freeze.planId!))?.state).toBe('pending');
    expect(await d.ports.plans.get(claimed)).toBeUndefined(); // the slow planning stored nothing
  });

  it('a rejected plan the run does not show stops the run for a person', async () => {
    const { d } = deps();
    d.steps = [step('freeze', 'approval')];
    const run = await open(d);
    await advance(d, run.run);
    const id = (await stepOf(d, run.run, 'freeze')).planId!;
    await d.ports.plans.decide(id, 'U0BOB', 'reject');
    await reviveStuckRuns(d, STUCK, later());
    const after = (await d.runs.get(run.run))!;
    expect((await stepOf(d, run.run, 'freeze')).state).toBe('failed');
    expect(after.waitingFor).toMatch(/^a person: /);
  });

  it('leaves terminal runs, runs waiting for a person and plans still pending alone', async () => {
    const { d, queued } = deps();
    const cli = await open(d, 'cli');
    expect(await reviveStuckRuns(d, STUCK, later())).toEqual([]);
    expect((await stepOf(d, cli.run, 'assess')).planId).toBeUndefined();
    expect(queued).toEqual([]);

    const { d: d2 } = deps();
    const stopped = await open(d2);
    await d2.runs.update(stopped.run, (r) => ({
      ...r,
      state: 'waiting',
      waitingFor: 'a person: Redis lost data',
    }));
    expect(await reviveStuckRuns(d2, STUCK, later())).toEqual([]);

    const { d: d3 } = deps();
    d3.steps = [step('freeze', 'approval')];
    const waiting = await open(d3);
    await advance(d3, waiting.run);
    const id = (await stepOf(d3, waiting.run, 'freeze')).planId;
    expect(await reviveStuckRuns(d3, STUCK, later())).toEqual([]);
    expect((await stepOf(d3, waiting.run, 'freeze')).planId).toBe(id);
  });
});
