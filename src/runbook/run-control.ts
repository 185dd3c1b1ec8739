import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuditActor } from '../audit/audit-log.js';
import { KdrError } from '../core/errors.js';
import type { Change } from '../pipeline/change.js';
import { advance, audit, publishReport, type RunbookDeps, refresh, stepContext, stepDef } from './engine.js';
import { stakeholderText } from './run-view.js';
import type { Run } from './types.js';

const ACTIVE = new Set(['open', 'running', 'waiting']);

async function mustGet(d: RunbookDeps, id: string): Promise<Run> {
  const run = await d.runs.get(id);
  if (!run) throw new KdrError('KDR_NO_SUCH_RUN', `no run ${id}`, { hint: 'see `kdr runbook` for the runs' });
  return run;
}

/** The optional step waiting for its approval, if that is where the run stands. */
const skippable = (run: Run) => run.steps.find((s) => s.optional && s.state === 'awaiting approval');

/**
 * pause: no new step starts (a step already executing finishes); resume: the run goes on; retry: a failed step is
 * planned again; skip: an optional step waiting for approval is skipped instead (its plan can no longer be
 * approved). They change the run, not the clusters: audited, no approval.
 */
export async function controlRun(
  d: RunbookDeps,
  id: string,
  action: 'pause' | 'resume' | 'retry' | 'skip',
  actor: AuditActor,
): Promise<Run> {
  const before = await mustGet(d, id);
  const allowed = {
    pause: ACTIVE.has(before.state),
    resume: before.state === 'paused',
    retry: before.state === 'waiting' && before.steps.some((s) => s.state === 'failed'),
    skip: ACTIVE.has(before.state) && skippable(before) !== undefined,
  }[action];
  if (!allowed)
    throw new KdrError('KDR_RUN_STATE', `run ${id} is ${before.state}: cannot ${action} it`, {
      hint:
        action === 'retry'
          ? 'retry applies to a run waiting on a failed step'
          : action === 'skip'
            ? 'skip applies to an optional step (registry) waiting for its approval'
            : `see \`kdr runbook ${id}\``,
    });
  const skipped = action === 'skip' ? skippable(before)! : undefined;
  if (skipped?.planId)
    await d.ports.plans.transition(skipped.planId, 'superseded', ['pending'], `skipped by ${actor.user}`);
  const run = await d.runs.update(id, (r) => {
    if (action === 'pause') r.state = 'paused';
    if (action === 'resume') r.state = 'running';
    if (action === 'retry') {
      const s = r.steps.find((x) => x.state === 'failed')!;
      Object.assign(s, {
        state: 'pending',
        planId: undefined,
        planHash: undefined,
        plannedAt: undefined,
        startedAt: undefined,
      });
      r.state = 'running';
      r.waitingFor = undefined;
    }
    if (skipped) {
      const s = r.steps.find((x) => x.id === skipped.id)!;
      if (s.state !== 'awaiting approval') return undefined;
      Object.assign(s, { state: 'skipped', result: `skipped by ${actor.user}` });
      r.waitingFor = undefined;
    }
    return r;
  });
  await audit(
    d,
    run,
    `run.${action}`,
    skipped ? `${skipped.id} skipped by ${actor.user}` : `${action}d by ${actor.user}`,
    actor,
  );
  await refresh(d, run);
  return action === 'pause' ? run : advance(d, id);
}

const abortArgs = z.object({ run: z.string().min(1) });

/**
 * What an abort undoes, in reverse order of the steps that did something: done steps, and failed ones (a freeze
 * that put its fence up and then timed out waiting for writes to stop still has a fence to take down).
 */
function undoList(d: RunbookDeps, run: Run) {
  return [...run.steps]
    .reverse()
    .filter((s) => (s.state === 'done' || s.state === 'failed') && stepDef(d, run, s.id)?.undo);
}

/**
 * abort: a change like any other (plan → approval or confirmation → execute once): undoes what the run's steps did
 * (connectors resumed, writes allowed again, previous offsets put back), releases the pair, tells stakeholders.
 * Refused once clients were switched: then the way back is a failback.
 */
export function abortChange(d: RunbookDeps): Change<z.infer<typeof abortArgs>, { undo: string[] }> {
  return {
    kind: 'runbook.abort',
    audit: 'runbook',
    prompt: 'Abort this run?',
    args: abortArgs,
    resource: (a) => `run:${a.run}:abort`,
    planKey: (a) => `run:${a.run}:abort`,
    subject: (a) => ({ run: a.run }),
    describe: (a) => `abort ${a.run}`,
    plan: async (_env, a) => {
      const run = await mustGet(d, a.run);
      const undo = undoList(d, run).map((s) => s.id);
      const refusals = [];
      if (run.steps.find((s) => s.id === 'cutover')?.state === 'done')
        refusals.push({
          code: 'KDR_RUN_STATE' as const,
          message: `clients were switched to the target in run ${run.run}: aborting now would split them`,
          hint: `fail back instead: \`kdr failback ${run.flow}\``,
        });
      if (!ACTIVE.has(run.state) && run.state !== 'paused')
        refusals.push({
          code: 'KDR_RUN_STATE' as const,
          message: `run ${run.run} is ${run.state}`,
          hint: 'nothing to abort',
        });
      return {
        hash: createHash('sha256')
          .update(JSON.stringify({ run: a.run, undo, steps: run.steps.map((s) => s.state) }))
          .digest('hex'),
        text: `abort ${run.mode} ${run.kind} of ${run.flow} (run ${run.run}):\n${undo.length ? undo.map((u) => `- undo ${u}`).join('\n') : '- nothing to undo'}\n- release ${run.pair}; tell stakeholders`,
        body: { undo },
        refusals,
        empty: false,
        summary: `abort ${run.run}`,
      };
    },
    reconcile: (approved, live, resumed) =>
      live.hash === approved.hash || resumed
        ? { kind: 'same' }
        : { kind: 'changed', why: 'the run moved on since the abort was planned' },
    apply: async (_env, a, _approved, _live, io) => {
      let run = await d.runs.update(a.run, (r) =>
        r.state === 'aborting' || r.state === 'aborted'
          ? undefined
          : { ...r, state: 'aborting', waitingFor: undefined },
      );
      const done: string[] = [];
      for (const s of undoList(d, run)) {
        if (await io.isDone(`undo:${s.id}`)) continue;
        await io.guard();
        const what = await stepDef(d, run, s.id)!.undo!(stepContext(d, run), run, s);
        await io.markDone(`undo:${s.id}`);
        done.push(`${s.id}: ${what}`);
        run = await d.runs.update(a.run, (r) => {
          const x = r.steps.find((y) => y.id === s.id)!;
          x.state = 'compensated';
          x.result = `${x.result ?? ''} · undone: ${what}`;
          return r;
        });
      }
      // plans still waiting for approval in this run can no longer be approved
      for (const s of run.steps)
        if (s.planId)
          await d.ports.plans.transition(
            s.planId,
            'superseded',
            ['pending', 'approved'],
            `run ${run.run} aborted`,
          );
      run = await d.runs.update(a.run, (r) => ({
        ...r,
        state: 'aborted',
        endedAt: new Date().toISOString(),
      }));
      await d.runs.releasePair(run);
      if (await d.alerts?.unmute(run.flow, run.run)) done.push(`scheduled alerts of ${run.flow} unmuted`);
      await audit(d, run, 'run.abort', `aborted: ${done.join('; ') || 'nothing to undo'}`);
      await publishReport(d, run, 'aborted');
      const stakeholders = d.config.slack?.channels.stakeholders;
      if (d.chat && stakeholders && run.transport === 'slack')
        await d.chat.postMessage(stakeholders, {
          text: stakeholderText(run, 'aborted', d.config),
          blocks: [],
        });
      return {
        ok: true,
        outcome: 'aborted',
        text: `run ${run.run} aborted${done.length ? `: ${done.join('; ')}` : ''}; ${run.pair} released`,
        verified: true,
        data: run,
      };
    },
  };
}
