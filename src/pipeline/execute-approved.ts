import type { PlanState, StoredPlan } from '../approval/plan-store.js';
import { formatDuration } from '../core/duration.js';
import { asKdrError, summarizeInternal } from '../core/errors.js';
import type { AnyChange, ChangeEnv, ChangePlan } from './change.js';
import { applyIO, holdLock } from './hold-lock.js';

export interface ExecEnv extends ChangeEnv {
  /** Every change kdr can make, by kind: built at start-up from the command list. */
  changes: ReadonlyMap<string, AnyChange>;
  /** Shows the plan's new state where it was approved (the Slack message); best effort. */
  notify(plan: StoredPlan): Promise<void>;
}

export type ExecStatus = 'executed' | 'failed' | 'refused' | 'not-run';

export interface ExecResult {
  status: ExecStatus;
  text: string;
  /** A failure worth retrying (lock busy, cluster or Redis away): the plan stays `executing` for the retry. */
  retry?: boolean;
}

/**
 * Runs an approved plan once: approved → executing → executed | failed | refused. A retry after a crash takes
 * over the plan's own lock, plans again from the live state and lets the change reconcile it with the approved
 * plan (done parts are recognised, not redone). One `plan.execute` entry opens and one closes the execution.
 */
export async function executeApproved(
  env: ExecEnv,
  planId: string,
  opts: { finalAttempt: boolean },
): Promise<ExecResult> {
  const start = await env.ports.plans.transition(planId, 'executing', ['approved', 'executing']);
  if (start.result !== 'ok' || !start.plan) {
    if (start.plan && FINAL.has(start.plan.state)) await settleFinished(env, start.plan);
    if (start.result !== 'missing') await env.ports.plans.forgetApproved(planId);
    return { status: 'not-run', text: `not run: ${start.result}` };
  }
  const plan = start.plan;
  const attempt = plan.attempts ?? 1;
  const where = plan.ts ? { where: { channel: plan.channel, ts: plan.ts } } : {};
  const entry = (action: string, outcome: string) =>
    env.ports.audit.append({
      action,
      actor: actorOf(plan),
      subject: plan.subject,
      outcome,
      planId,
      planHash: plan.hash,
      ...where,
    });
  await env.notify(plan);
  await entry(
    attempt > 1 ? 'plan.resume' : 'plan.execute',
    attempt > 1 ? `resumed (attempt ${attempt}): an earlier execution was interrupted` : 'started',
  );
  const t0 = Date.now();
  const finish = async (state: PlanState & ExecStatus, text: string): Promise<ExecResult> => {
    const full = `${text} (${formatDuration(Date.now() - t0)})`;
    const done = await env.ports.plans.transition(planId, state, ['executing'], full);
    if (done.plan) await settleFinished(env, done.plan);
    return { status: state, text: full };
  };

  const change = env.changes.get(plan.kind);
  if (!change) return finish('failed', `this kdr has no executor for ${plan.kind}`);
  const args = change.args.safeParse(plan.args);
  if (!args.success)
    return finish('failed', `the stored plan's arguments are invalid: ${args.error.message}`);
  const who = `plan ${planId.slice(0, 8)} (approved by ${actorOf(plan).user})`;
  const taken = await holdLock(env, change, args.data, who, planId);
  if (!taken.ok) {
    if (!opts.finalAttempt) return { status: 'failed', text: taken.error.message, retry: true };
    return finish('failed', `${taken.error.message}; nothing was done`);
  }
  try {
    const approved: ChangePlan = {
      hash: plan.hash,
      text: plan.text,
      body: JSON.parse(plan.body ?? 'null'),
      refusals: [],
      empty: false,
      summary: plan.text.split('\n')[0] ?? '',
    };
    const live = await change.plan(env, args.data);
    const rec = change.reconcile(approved, live, attempt > 1);
    if (rec.kind === 'applied')
      return await finish('executed', 'already applied: the live state is the plan');
    if (rec.kind === 'changed')
      return await finish(
        'refused',
        `the live state no longer matches the approved plan (${rec.why}; sha256 now ${live.hash.slice(0, 12)}). Nothing was written; run the command again to re-plan`,
      );
    const applied = await change.apply(env, args.data, approved, live, applyIO(env, taken.held, planId));
    return await finish(applied.ok ? 'executed' : 'failed', applied.text);
  } catch (err) {
    const raw = asKdrError(err);
    // the result is shown in Slack and kept in the audit trail: an internal error as a reference to this log line
    const { error: e, detail } = summarizeInternal(raw);
    env.log.warn({ plan: planId, code: raw.code, err: raw.message, ...detail }, 'execution failed');
    if (e.retriable && !opts.finalAttempt) return { status: 'failed', text: e.message, retry: true };
    return finish('failed', `${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  } finally {
    await taken.held.end();
  }
}

const FINAL = new Set<PlanState>(['executed', 'failed', 'refused']);

const actorOf = (plan: StoredPlan) => ({
  transport: 'worker' as const,
  user: plan.approvals.map((x) => x.user).join(','),
  via: 'approved plan',
});

/**
 * After a plan reached its final state: its one closing audit entry (idempotent: a retry after a crash between
 * the state change and the entry writes it, never twice), the message, and its lock freed if a dead execution of
 * this plan still holds it.
 */
async function settleFinished(env: ExecEnv, plan: StoredPlan): Promise<void> {
  await env.ports.audit.append(
    {
      action: 'plan.execute',
      actor: actorOf(plan),
      subject: plan.subject,
      outcome: `${plan.state}: ${plan.result ?? ''}`,
      planId: plan.id,
      planHash: plan.hash,
      ...(plan.ts ? { where: { channel: plan.channel, ts: plan.ts } } : {}),
    },
    { once: `plan:${plan.id}:final` },
  );
  await env.notify(plan);
  const change = env.changes.get(plan.kind);
  const args = change?.args.safeParse(plan.args);
  if (!change || !args?.success) return;
  const own = await env.ports.locks.acquire(
    change.resource(args.data),
    {
      who: `plan ${plan.id.slice(0, 8)}`,
      what: 'releasing',
      pid: process.pid,
      host: 'kdr',
      at: new Date().toISOString(),
    },
    1000,
    plan.id,
  );
  if (own.ok) await own.lock.release();
}
