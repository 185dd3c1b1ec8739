import { startPeriodic } from '../core/periodic.js';
import type { RunbookDeps } from './deps.js';
import { advance, audit, onStepPlan } from './engine.js';
import type { Run, StepRecord } from './types.js';

/** Plan states after which the run must have moved on (onStepPlan moves it). */
const DECIDED = new Set(['refused', 'rejected', 'expired', 'failed']);

const nextStep = (run: Run) => run.steps.find((s) => s.state !== 'done' && s.state !== 'skipped');

/** Since when the step has been the run's next one without anything happening to it. */
function idleSince(run: Run, step: StepRecord): number {
  if (step.plannedAt) return Date.parse(step.plannedAt);
  const before = run.steps[run.steps.indexOf(step) - 1];
  return Date.parse(before?.endedAt ?? run.startedAt);
}

/**
 * The run watchdog, one pass. The engine moves a Slack run on in steps (claim the step, store its plan, audit,
 * redraw; after an execution, claim the next): a Redis master switch or a worker death between two of those writes
 * leaves a run that nobody moves. A run idle past `stuckAfter` is driven on:
 * - its next step has no plan: it is planned (advance claims it with compare-and-set, so two workers never both do);
 * - its step's plan is gone from Redis (lost in a switch before anyone approved it; an approved one is put back from
 *   the approval journal first), or superseded: the step is planned again, with a problem on the run and an audit
 *   entry (a planning still under way when that happens sees it and gives way: see advance);
 * - its step's plan was refused, rejected, expired or failed and the run does not show it: the engine's reaction to
 *   that decision is applied (idempotent).
 * A step that is executing is left to the execution queue's own recovery. Terminal runs are the terminal's.
 */
export async function reviveStuckRuns(
  d: RunbookDeps,
  stuckAfterMs: number,
  now = Date.now(),
): Promise<string[]> {
  const revived: string[] = [];
  for (const run of await d.runs.list(20)) {
    if (run.transport !== 'slack' || (run.state !== 'running' && run.state !== 'waiting')) continue;
    // a run stopped for a person stays stopped until that person retries or aborts it
    if (run.waitingFor?.startsWith('a person')) continue;
    const step = nextStep(run);
    if (!step || now - idleSince(run, step) < stuckAfterMs) continue;
    if (step.state === 'pending' && !step.planId) {
      d.log.warn({ run: run.run, step: step.id }, 'run watchdog: next step had no plan; planning it');
      await advance(d, run.run);
      revived.push(`${run.run}: planned ${step.id}`);
      continue;
    }
    if (!step.planId || (step.state !== 'awaiting approval' && step.state !== 'pending')) continue;
    const plan = await d.ports.plans.get(step.planId);
    // superseded: another plan for the step took its place (a planning that outlasted stuckAfter); the run's is dead
    if (plan && plan.state !== 'superseded') {
      if (DECIDED.has(plan.state)) {
        await onStepPlan(d, plan);
        revived.push(`${run.run}: applied ${step.id}'s ${plan.state} plan`);
      }
      continue;
    }
    const lost = step.planId;
    let replanned = false;
    const again = await d.runs.update(run.run, (r) => {
      const s = r.steps.find((x) => x.id === step.id)!;
      replanned = s.planId === lost && (s.state === 'awaiting approval' || s.state === 'pending');
      if (!replanned) return undefined;
      Object.assign(s, { state: 'pending', planId: undefined, planHash: undefined, plannedAt: undefined });
      r.problems.push(
        plan
          ? `${step.id}: its plan ${lost} was superseded before it was approved; planned again`
          : `${step.id}: its plan ${lost} was lost from Redis (a master switch?) before it was approved; planned again`,
      );
      return r;
    });
    if (!replanned) continue;
    d.log.warn({ run: run.run, step: step.id, plan: lost }, 'run watchdog: step plan lost; planning again');
    await audit(
      d,
      again,
      `run.step.${step.id}`,
      `planned again: its plan ${lost} was ${plan ? 'superseded' : 'lost from Redis'}`,
    );
    await advance(d, run.run);
    revived.push(`${run.run}: planned ${step.id} again`);
  }
  return revived;
}

/** Runs the watchdog every `everyMs` (one pass at a time) until stopped. */
export function startRunWatchdog(d: RunbookDeps, everyMs: number, stuckAfterMs: number): { stop(): void } {
  return startPeriodic(
    everyMs,
    () => reviveStuckRuns(d, stuckAfterMs),
    (err) => d.log.warn({ err: err.message }, 'run watchdog failed'),
  );
}
