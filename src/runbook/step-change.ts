import { z } from 'zod';
import { KdrError } from '../core/errors.js';
import type { Change } from '../pipeline/change.js';
import { audit, type RunbookDeps, STEP_KIND, stepContext, stepDef, stepHash } from './engine.js';
import type { Run, StepId } from './types.js';

const stepArgs = z.object({ run: z.string().min(1), step: z.string().min(1) });
type StepArgs = z.infer<typeof stepArgs>;

const FINAL = new Set(['completed', 'aborting', 'aborted', 'failed']);

/**
 * A runbook step as a change of the pipeline: its plan is the step's plan (hashed with the run and the step), its
 * execution the step's executor, under a lock per run and step, with the pipeline's crash recovery. The outcome,
 * times and checks are written into the run with compare-and-set.
 */
export function stepChange(d: RunbookDeps): Change<StepArgs, Record<string, unknown>> {
  const load = async (a: StepArgs): Promise<Run> => {
    const run = await d.runs.get(a.run);
    if (!run) throw new KdrError('KDR_NO_SUCH_RUN', `no run ${a.run}`, { hint: 'see `kdr runbook`' });
    return run;
  };
  return {
    kind: STEP_KIND,
    audit: 'runbook',
    prompt: 'Run this step?',
    args: stepArgs,
    resource: (a) => `run:${a.run}:${a.step}`,
    planKey: (a) => `run:${a.run}:${a.step}`,
    subject: (a) => ({ run: a.run, step: a.step }),
    describe: (a) => `runbook ${a.run}: ${a.step}`,
    plan: async (_env, a) => {
      const run = await load(a);
      const def = stepDef(d, run, a.step as StepId);
      if (!def) throw new KdrError('KDR_INTERNAL', `no step ${a.step}`);
      const p = await def.plan(stepContext(d, run), run);
      const refusals = [...(p.refusals ?? [])];
      if (FINAL.has(run.state))
        refusals.push({
          code: 'KDR_RUN_STATE',
          message: `run ${run.run} is ${run.state}`,
          hint: 'nothing more runs in it',
        });
      return {
        hash: stepHash(run, a.step as StepId, p.body),
        text: p.text,
        body: p.body,
        refusals,
        empty: false,
        summary: `${a.step} of ${run.run}`,
      };
    },
    reconcile: (approved, live, resumed) => {
      if (live.refusals.length)
        return { kind: 'changed', why: live.refusals.map((r) => r.message).join('; ') };
      if (live.hash === approved.hash || resumed) return { kind: resumed ? 'resume' : 'same' };
      return { kind: 'changed', why: `the facts ${live.summary} was planned from changed` };
    },
    apply: async (_env, a, approved, _live, io) => {
      const id = a.step as StepId;
      const def = stepDef(d, await load(a), id)!;
      const t0 = Date.now();
      let run = await d.runs.update(a.run, (r) => {
        const s = r.steps.find((x) => x.id === id)!;
        if (s.state === 'done') return undefined;
        const now = new Date(t0).toISOString();
        s.startedAt ??= now;
        s.waitMs ??= s.plannedAt ? Math.max(0, t0 - Date.parse(s.plannedAt)) : 0;
        s.state = 'executing';
        if (r.state === 'waiting') r.state = 'running';
        r.waitingFor = undefined;
        return r;
      });
      const already = run.steps.find((x) => x.id === id)!;
      if (already.state === 'done')
        return { ok: true, outcome: 'already applied', text: already.result ?? 'done', verified: true };
      const out = await def.execute(stepContext(d, run), run, approved.body, io);
      run = await d.runs.update(a.run, (r) => {
        const s = r.steps.find((x) => x.id === id)!;
        s.state = out.ok ? 'done' : 'failed';
        s.endedAt = new Date().toISOString();
        s.machineMs = Date.parse(s.endedAt) - Date.parse(s.startedAt ?? s.endedAt);
        s.checks = out.checks;
        s.result = out.result;
        if (out.data) s.data = out.data;
        const sb = (out.data as { splitBrain?: Run['splitBrain'] } | undefined)?.splitBrain;
        if (sb && sb.records > 0) r.splitBrain = sb;
        // an abort that came while the step ran has the last word on the run's state
        if (!out.ok && (r.state === 'running' || r.state === 'waiting')) {
          r.state = 'waiting';
          r.waitingFor = `a person: ${out.result}`;
        }
        return r;
      });
      // the checks, and a hook's output (redacted), go into the trail with the outcome
      const hook = (out.data as { hook?: unknown } | undefined)?.hook;
      await audit(d, run, `run.step.${id}`, `${out.ok ? 'done' : 'failed'}: ${out.result}`, undefined, {
        checks: out.checks,
        ...(hook ? { hook } : {}),
      });
      return {
        ok: out.ok,
        outcome: out.ok ? 'done' : 'failed',
        text: out.result,
        verified: out.ok,
        detail: { ms: Date.now() - t0 },
      };
    },
  };
}
