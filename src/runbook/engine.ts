import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { StoredPlan } from '../approval/plan-store-port.js';
import type { AuditActor } from '../audit/audit-log.js';
import { findFlow } from '../config/find-flow.js';
import { KdrError } from '../core/errors.js';
import type { RunbookDeps } from './deps.js';
import { reversedFlow } from './failback/reverse-flow.js';
import { writeReport } from './report.js';
import { pairOf } from './run-store.js';
import { runMessage, stakeholderText } from './run-view.js';
import type { RunStep, StepContext } from './step.js';
import type { Run, StepId, StepRecord } from './types.js';

export type { RunbookDeps } from './deps.js';

export const STEP_KIND = 'runbook.step';
const ACTIVE = new Set(['open', 'running', 'waiting']);

export function stepContext(d: RunbookDeps, run: Run): StepContext {
  const flow = findFlow(d.config, run.flow);
  return {
    config: d.config,
    log: d.log.child({ run: run.run }),
    ports: d.ports,
    runs: d.runs,
    // a failback runs the same steps with the roles swapped: the old target is the source
    flow: run.kind === 'failback' ? reversedFlow(d.config, flow, failbackTopics(run)) : flow,
    forward: flow,
    ...(d.chat ? { chat: d.chat } : {}),
    ...(d.seenEnds ? { seenEnds: d.seenEnds } : {}),
  };
}

/** The steps of a run of this kind, in order. */
export const stepsOf = (d: RunbookDeps, kind: Run['kind']): RunStep[] =>
  kind === 'failback' ? (d.failbackSteps ?? []) : d.steps;

/** The target's own topics a failback's assess chose to copy back (undefined before it ran). */
const failbackTopics = (run: Run): string[] | undefined => {
  const ends = (
    run.steps.find((s) => s.id === 'assess')?.data as { sourceEnds?: Record<string, number> } | undefined
  )?.sourceEnds;
  return ends ? [...new Set(Object.keys(ends).map((k) => k.slice(0, k.lastIndexOf(':'))))].sort() : undefined;
};

export const stepDef = (d: RunbookDeps, run: Pick<Run, 'kind'>, id: StepId) =>
  stepsOf(d, run.kind).find((s) => s.id === id);

export async function audit(
  d: RunbookDeps,
  run: Run,
  action: string,
  outcome: string,
  actor?: AuditActor,
  detail?: Record<string, unknown>,
) {
  await d.ports.audit.append({
    ...(detail ? { detail } : {}),
    action,
    actor: actor ?? { transport: 'worker', user: 'kdr', via: `runbook ${run.run}` },
    subject: { run: run.run, flow: run.flow, ...(run.drill ? { drill: 'true' } : {}) },
    outcome: `${run.drill ? '[drill] ' : ''}${outcome}`,
    ...(run.channel && run.ts ? { where: { channel: run.channel, ts: run.ts } } : {}),
  });
}

export interface OpenOptions {
  flow: string;
  /** Default failover. */
  kind?: Run['kind'];
  /** Failback: what to do with records written to the old primary after the failover's freeze. */
  orphans?: 'keep' | 'rebuild';
  mode: 'planned' | 'unplanned';
  drill: boolean;
  groups: string[];
  requester: string;
  transport: 'slack' | 'cli';
}

/** open: takes the cluster pair (one run per pair), posts the run message and the stakeholders' "started". */
export async function openRun(d: RunbookDeps, o: OpenOptions): Promise<Run> {
  const flow = findFlow(d.config, o.flow);
  const failoverRun = o.kind === 'failback' ? await failedOverBy(d, flow.name) : undefined;
  const now = new Date().toISOString();
  const run: Run = {
    run: `r-${randomBytes(4).toString('hex')}`,
    flow: flow.name,
    kind: o.kind ?? 'failover',
    mode: o.mode,
    ...(failoverRun ? { options: { failoverRun, ...(o.orphans ? { orphans: o.orphans } : {}) } } : {}),
    drill: o.drill,
    state: 'running',
    requester: o.requester,
    transport: o.transport,
    groups: o.groups,
    pair: pairOf(flow.source, flow.target),
    startedAt: now,
    steps: [],
    measurements: {},
    splitBrain: null,
    problems: [],
    version: 0,
  };
  const ctx = stepContext(d, run);
  run.steps = [
    {
      id: 'open',
      state: 'done',
      gate: 'auto',
      startedAt: now,
      endedAt: now,
      machineMs: 0,
      waitMs: 0,
      checks: [],
      result:
        run.kind === 'failback'
          ? `pair ${run.pair} taken; failing back what run ${failoverRun} failed over (alerts stay muted until the end)`
          : `pair ${run.pair} taken; scheduled alerts of ${flow.name} muted while the run holds it`,
    },
    ...stepsOf(d, run.kind).map((s): StepRecord => {
      const skip = s.skip?.(run, ctx);
      return {
        id: s.id,
        gate: s.gate,
        ...(s.optional ? { optional: true } : {}),
        state: skip ? 'skipped' : 'pending',
        checks: [],
        ...(skip ? { result: skip } : {}),
      };
    }),
  ];
  const created = await d.runs.create(run);
  if (!created.ok) {
    const other = await d.runs.get(created.holder);
    throw new KdrError(
      'KDR_RUN_ACTIVE',
      `run ${created.holder} (${other?.kind ?? 'failover'} of ${other?.flow ?? '?'}, ${other?.state ?? '?'}, opened by ${other?.requester ?? '?'}) holds ${run.pair}: one run per cluster pair at a time`,
      {
        hint: `follow it with \`kdr runbook ${created.holder}\`, or abort it with \`kdr abort ${created.holder}\``,
      },
    );
  }
  // a failback keeps the failover's mute (an aborted failback leaves the flow failed over, alerts muted)
  if (run.kind === 'failover')
    await d.alerts?.mute(flow.name, {
      run: run.run,
      since: now,
      reason: `${o.mode} failover in progress (run ${run.run})`,
    });
  let opened = run;
  if (d.chat && o.transport === 'slack') {
    const channel = d.config.slack?.channels.incidents ?? d.config.slack?.channels.ops;
    if (channel) {
      const posted = await d.chat.postMessage(channel, runMessage(run));
      opened = await d.runs.update(run.run, (r) => ({ ...r, channel: posted.channel, ts: posted.ts }));
    }
    const stakeholders = d.config.slack?.channels.stakeholders;
    if (stakeholders)
      await d.chat.postMessage(stakeholders, {
        text: stakeholderText(opened, 'started', d.config),
        blocks: [],
      });
  }
  await audit(
    d,
    opened,
    'run.open',
    `opened: ${o.mode} ${opened.kind} of ${opened.flow}${opened.groups.length ? ` for ${opened.groups.length} group(s)` : ''}`,
    {
      transport: o.transport,
      user: o.requester,
    },
  );
  return opened;
}

const nextStep = (run: Run) => run.steps.find((s) => s.state !== 'done' && s.state !== 'skipped');

/**
 * Moves the run on: plans its next step and stores the plan (kind `runbook.step`) bound to its hash. Automatic
 * steps are approved by kdr and queued; gated ones wait for approvers (or a person's confirmation) in the run
 * message. The step is claimed with compare-and-set first, so two callers never plan it twice.
 */
export async function advance(d: RunbookDeps, runId: string): Promise<Run> {
  let run = (await d.runs.get(runId))!;
  if (!ACTIVE.has(run.state)) return run;
  const step = nextStep(run);
  if (!step) return completeRun(d, run);
  if (step.state !== 'pending' || !d.enqueue) return run;
  const def = stepDef(d, run, step.id)!;
  const planId = randomUUID();
  run = await d.runs.update(runId, (r) => {
    const s = r.steps.find((x) => x.id === step.id)!;
    if (s.state !== 'pending' || s.planId) return undefined;
    s.planId = planId;
    s.plannedAt = new Date().toISOString();
    s.state = s.gate === 'auto' ? 'pending' : 'awaiting approval';
    return r;
  });
  if (run.steps.find((x) => x.id === step.id)!.planId !== planId) return run; // someone else claimed it
  let plan: Awaited<ReturnType<RunStep['plan']>>;
  try {
    plan = await def.plan(stepContext(d, run), run);
  } catch (err) {
    return failStep(d, run.run, step.id, `could not plan ${step.id}: ${(err as Error).message}`);
  }
  if (plan.refusals?.length)
    return failStep(
      d,
      run.run,
      step.id,
      `${step.id} refused: ${plan.refusals.map((r) => `${r.message} (${r.hint})`).join('; ')}`,
    );
  // a planning that outlasted runbook.stuckAfter may have been redone by the run watchdog: theirs stands
  const still = await d.runs.get(runId);
  if (still && still.steps.find((x) => x.id === step.id)?.planId !== planId) return still;
  let stored: StoredPlan;
  try {
    stored = stepPlan(d, run, step, planId, plan.text, plan.body);
    await d.ports.plans.create(stored);
  } catch (err) {
    // a claimed step must never be left waiting for a plan that does not exist
    return failStep(d, run.run, step.id, `could not store the plan of ${step.id}: ${(err as Error).message}`);
  }
  await d.ports.audit.append({
    action: 'plan.create',
    actor: { transport: 'worker', user: 'kdr', via: `runbook ${run.run}` },
    subject: stored.subject,
    outcome:
      step.gate === 'auto'
        ? 'approved: automatic step (read-only or waiting)'
        : `pending: ${stored.needed} ${step.gate === 'confirm' ? 'confirmation' : 'approval'}(s) needed by ${new Date(stored.expiresAt).toISOString()}`,
    planId,
    planHash: stored.hash,
    ...(run.channel && run.ts ? { where: { channel: run.channel, ts: run.ts } } : {}),
  });
  if (step.gate === 'auto') await d.ports.plans.decide(planId, 'kdr', 'approve');
  let ours = true;
  run = await d.runs.update(runId, (r) => {
    const s = r.steps.find((x) => x.id === step.id)!;
    ours = s.planId === planId;
    if (!ours) return undefined;
    s.planHash = stored.hash;
    r.state = step.gate === 'auto' ? 'running' : 'waiting';
    r.waitingFor =
      step.gate === 'auto'
        ? undefined
        : step.gate === 'confirm'
          ? `a person to confirm ${step.id}`
          : `approval of ${step.id}`;
    return r;
  });
  if (!ours) return run;
  await refresh(d, run);
  if (step.gate === 'auto')
    await d
      .enqueue(planId)
      .catch((err: Error) => d.log.warn({ err: err.message }, 'queueing a step failed; the sweeper will'));
  return run;
}

function stepPlan(
  d: RunbookDeps,
  run: Run,
  step: StepRecord,
  id: string,
  text: string,
  body: Record<string, unknown>,
): StoredPlan {
  const now = Date.now();
  return {
    id,
    kind: STEP_KIND,
    resource: `run:${run.run}:${step.id}`,
    subject: { run: run.run, flow: run.flow, step: step.id, ...(run.drill ? { drill: 'true' } : {}) },
    args: { run: run.run, step: step.id },
    hash: stepHash(run, step.id, body),
    text: `${run.drill ? '[drill] ' : ''}${step.id}: ${text}`,
    body: JSON.stringify(body),
    requester: run.requester,
    channel: run.channel ?? 'cli',
    ...(run.ts ? { ts: run.ts } : {}),
    createdAt: now,
    expiresAt: now + (d.config.slack?.approvalTtl ?? 1_800_000),
    needed: step.gate === 'auto' ? 1 : (d.config.slack?.approvalsRequired ?? 1),
    approvals: [],
    state: 'pending',
    ...(step.gate === 'confirm' ? { confirmOnly: true } : {}),
  };
}

export const stepHash = (run: Run, step: StepId, body: unknown) =>
  createHash('sha256')
    .update(JSON.stringify({ run: run.run, step, body }))
    .digest('hex');

async function failStep(d: RunbookDeps, runId: string, step: StepId, why: string): Promise<Run> {
  const run = await d.runs.update(runId, (r) => {
    const s = r.steps.find((x) => x.id === step)!;
    s.state = 'failed';
    s.result = why;
    r.state = 'waiting';
    r.waitingFor = `a person: ${why}. \`kdr runbook ${r.run} retry\` or \`kdr abort ${r.run}\``;
    return r;
  });
  await audit(d, run, `run.step.${step}`, `failed: ${why}`);
  await refresh(d, run);
  return run;
}

/**
 * A step plan changed state (a click, an execution's end): the run message is redrawn, and a finished plan moves
 * the run on: done → next step; refused (the live state changed since approval) → planned again; rejected,
 * expired or failed → the run waits for a person.
 */
export async function onStepPlan(d: RunbookDeps, plan: StoredPlan): Promise<void> {
  const { run: runId, step: stepId } = plan.args as { run: string; step: StepId };
  const run = await d.runs.get(runId);
  if (!run) return;
  const step = run.steps.find((s) => s.id === stepId);
  if (!step || step.planId !== plan.id) return refresh(d, run);
  switch (plan.state) {
    case 'executed':
      if (step.state === 'done') {
        await advance(d, runId);
        return;
      }
      break;
    case 'refused': {
      const again = await d.runs.update(runId, (r) => {
        const s = r.steps.find((x) => x.id === stepId)!;
        if (s.planId !== plan.id) return undefined;
        Object.assign(s, { state: 'pending', planId: undefined, planHash: undefined });
        r.problems.push(
          `${stepId}: the live state changed after approval; planned again (${plan.result ?? ''})`,
        );
        return r;
      });
      await advance(d, again.run);
      return;
    }
    case 'rejected':
    case 'expired':
    case 'failed':
      if (step.state !== 'failed') {
        await failStep(
          d,
          runId,
          stepId,
          plan.state === 'failed'
            ? (plan.result ?? 'failed')
            : `${stepId} ${plan.state}${plan.rejectedBy ? ` by ${plan.rejectedBy.user}` : ''}`,
        );
        return;
      }
      break;
  }
  await refresh(d, run);
}

const drawing = new Map<string, Promise<void>>();

/**
 * Redraws the run message in place from the newest version of the run (best effort: the run goes on when Slack
 * does not answer). Redraws of one run are serialised in this process, so an older picture never lands last.
 */
export function refresh(d: RunbookDeps, run: Run): Promise<void> {
  if (!d.chat || !run.channel || !run.ts) return Promise.resolve();
  const next = (drawing.get(run.run) ?? Promise.resolve()).then(() => draw(d, run.run));
  drawing.set(run.run, next);
  void next.finally(() => {
    if (drawing.get(run.run) === next) drawing.delete(run.run);
  });
  return next;
}

async function draw(d: RunbookDeps, runId: string): Promise<void> {
  const run = await d.runs.get(runId);
  if (!d.chat || !run?.channel || !run.ts) return;
  const current = run.steps.find((s) => s.id === nextStep(run)?.id);
  const plan = current?.planId ? await d.ports.plans.get(current.planId) : undefined;
  await d.chat
    .updateMessage(run.channel, run.ts, runMessage(run, plan))
    .catch((err: Error) =>
      d.log.warn({ err: err.message, run: run.run }, 'could not update the run message'),
    );
}

/** All steps done: figures, report, stakeholders, the pair released. */
async function completeRun(d: RunbookDeps, run: Run): Promise<Run> {
  const declared = run.steps.find((s) => s.id === 'declare')?.data as
    | { measurements?: Run['measurements']; splitBrain?: Run['splitBrain'] }
    | undefined;
  const done = await d.runs.update(run.run, (r) => {
    if (!ACTIVE.has(r.state)) return undefined;
    r.state = 'completed';
    r.endedAt = new Date().toISOString();
    r.waitingFor = undefined;
    r.measurements = { ...r.measurements, ...(declared?.measurements ?? {}) };
    if (declared?.splitBrain && declared.splitBrain.records > 0) r.splitBrain = declared.splitBrain;
    return r;
  });
  if (done.state !== 'completed' || done.version === run.version) return done;
  await d.runs.releasePair(done);
  const flow = findFlow(d.config, done.flow);
  if (done.kind === 'failback') await d.alerts?.unmute(done.flow, done.options?.failoverRun ?? done.run);
  else
    await d.alerts?.mute(done.flow, {
      run: done.run,
      since: done.endedAt!,
      reason: `failed over to ${flow.target} by run ${done.run}: the old direction's alerts stay muted until failback`,
    });
  await publishReport(d, done, 'completed');
  const stakeholders = d.config.slack?.channels.stakeholders;
  if (d.chat && stakeholders && done.transport === 'slack') {
    await d.chat.postMessage(stakeholders, { text: stakeholderText(done, 'declared', d.config), blocks: [] });
    await d.chat.postMessage(stakeholders, { text: stakeholderText(done, 'ended', d.config), blocks: [] });
  }
  return done;
}

/** Writes the report (`<dataDir>/runs/<id>/report.md|json`), audits where it is and posts it in the run's thread. */
export async function publishReport(d: RunbookDeps, run: Run, how: string): Promise<void> {
  const report = writeReport(d.config, run);
  const m = run.measurements;
  await audit(
    d,
    run,
    how === 'completed' ? 'run.complete' : 'run.report',
    `${how}: RTO ${m.rtoMs ?? '?'} ms, RPO ${m.rpoRecords ?? '?'} record(s), verdict ${report.report.verdict}; report ${report.md}`,
  );
  await refresh(d, run);
  if (d.chat && run.channel && run.ts)
    await d.chat
      .uploadFile(run.channel, {
        filename: `${run.run}-report.md`,
        title: `${run.drill ? 'drill ' : ''}report of ${run.run}`,
        content: report.text,
        threadTs: run.ts,
      })
      .catch((err: Error) => d.log.warn({ err: err.message, run: run.run }, 'could not post the report'));
}

/**
 * The completed failover a failback undoes: the newest completed run of the flow, which must be a failover (a
 * completed failback since means the flow runs forward again).
 */
async function failedOverBy(d: RunbookDeps, flow: string): Promise<string> {
  const last = (await d.runs.list(500)).find((r) => r.flow === flow && r.state === 'completed');
  if (last?.kind !== 'failover')
    throw new KdrError(
      'KDR_NOT_FAILED_OVER',
      last
        ? `${flow} is not failed over: its last completed run, ${last.run}, was a failback`
        : `${flow} is not failed over: no completed failover of it is on record`,
      {
        hint: `failback follows a completed \`kdr failover ${flow}\`; see \`kdr runbook --history --flow ${flow}\``,
      },
    );
  return last.run;
}
