import { randomUUID } from 'node:crypto';
import type { StoredPlan } from '../approval/plan-store.js';
import type { AuditActor } from '../audit/audit-log.js';
import { KdrError } from '../core/errors.js';
import type { AnyChange, Applied, ChangeEnv, ChangePlan, Refusal } from './change.js';
import { applyIO, holdLock } from './hold-lock.js';

export type ChangeResult =
  | { kind: 'unchanged'; plan: ChangePlan }
  | { kind: 'approval'; plan: ChangePlan; stored: StoredPlan }
  | { kind: 'applied'; plan: ChangePlan; applied: Applied; authorisedBy: string; durationMs: number };

/** A plan as stored for approval (the plan store adds requester, channel, expiry and state). */
export type PlanRequest = Pick<
  StoredPlan,
  'id' | 'kind' | 'resource' | 'subject' | 'args' | 'hash' | 'text' | 'body'
>;

export interface TerminalGate {
  actor: AuditActor;
  /** `--yes`: no question asked, recorded as such. */
  yes: boolean;
  /** A read-only or waiting step of a runbook: no question, recorded as automatic. */
  auto?: boolean;
  confirm?: (planText: string, prompt: string) => Promise<boolean>;
}

/** A plan with refusals is refused as a whole: the first refusal's code, every message and hint. */
export function refusalError(refusals: Refusal[]): KdrError {
  return new KdrError(refusals[0]!.code, refusals.map((r) => r.message).join('; '), {
    hint: refusals.map((r) => r.hint).join('; '),
  });
}

/**
 * The terminal path (break-glass): lock → plan → audit → confirm (or `--yes`) → plan again under the lock and
 * compare → execute once → verify → audit. The lock is held from before planning to the end.
 */
export async function runOnTerminal(
  env: ChangeEnv,
  change: AnyChange,
  a: unknown,
  gate: TerminalGate,
): Promise<ChangeResult> {
  const t0 = Date.now();
  const runId = randomUUID();
  const record = (action: string, outcome: string, plan?: ChangePlan, detail?: Record<string, unknown>) =>
    env.ports.audit.append({
      action,
      actor: gate.actor,
      subject: change.subject(a, plan),
      outcome,
      ...(plan ? { planId: runId, planHash: plan.hash } : {}),
      ...(detail ? { detail } : {}),
    });
  const taken = await holdLock(env, change, a, gate.actor.user, runId);
  if (!taken.ok) {
    await record(change.kind, 'refused: locked', undefined, { holder: taken.holder });
    throw taken.error;
  }
  try {
    const plan = await change.plan(env, a);
    if (plan.refusals.length) {
      await record(change.kind, 'refused', plan, { refusals: plan.refusals.map((r) => r.code) });
      throw refusalError(plan.refusals);
    }
    if (plan.empty) {
      await record(change.kind, 'unchanged', plan);
      return { kind: 'unchanged', plan };
    }
    await record(`${change.audit}.plan`, 'planned', plan, { summary: plan.summary });
    const authorisedBy = await confirm(change, plan, gate, record);
    if (!gate.yes && !gate.auto) {
      // what is executed must be what was confirmed: plan again, under the same lock
      const live = await change.plan(env, a);
      if (live.hash !== plan.hash) {
        await record(change.kind, 'refused: plan changed', plan);
        throw new KdrError('KDR_PLAN_CHANGED', `the live state changed while waiting for confirmation`, {
          hint: 'nothing was written: run the command again to see the new plan',
          retriable: true,
        });
      }
    }
    let applied: Applied;
    try {
      applied = await change.apply(env, a, plan, plan, applyIO(env, taken.held, runId));
    } catch (err) {
      await record(`${change.audit}.execute`, `failed: ${(err as Error).message}`, plan);
      throw err;
    }
    await record(`${change.audit}.execute`, applied.outcome, plan, { authorisedBy, ...applied.detail });
    await record(`${change.audit}.verify`, applied.verified ? 'verified' : 'mismatch', plan);
    return { kind: 'applied', plan, applied, authorisedBy, durationMs: Date.now() - t0 };
  } finally {
    await taken.held.end();
  }
}

async function confirm(
  change: AnyChange,
  plan: ChangePlan,
  gate: TerminalGate,
  record: (action: string, outcome: string, plan?: ChangePlan) => Promise<unknown>,
): Promise<string> {
  if (gate.auto) {
    await record(`${change.audit}.confirm`, 'automatic step', plan);
    return 'automatic step';
  }
  if (gate.yes) {
    await record(`${change.audit}.confirm`, 'confirmed by --yes', plan);
    return '--yes';
  }
  if (!gate.confirm)
    throw new KdrError(
      'KDR_NEEDS_APPROVAL',
      `${change.kind} needs a confirmation, and nobody can answer here`,
      {
        hint: 'run it in a terminal (it asks), or add --yes in a script (recorded as such)',
      },
    );
  const ok = await gate.confirm(plan.text, change.prompt);
  await record(`${change.audit}.confirm`, ok ? 'confirmed' : 'declined', plan);
  if (!ok)
    throw new KdrError('KDR_ABORTED', `not confirmed: nothing was changed`, {
      hint: 'answer y to go ahead',
    });
  return 'interactive confirmation';
}

/**
 * The Slack path: plan now (read-only), store it for approval bound to its hash; the worker executes it once
 * approved (execute-approved.ts). Refusals and "nothing to do" answer at once.
 */
export async function requestApproval(
  env: ChangeEnv,
  change: AnyChange,
  a: unknown,
  request: (p: PlanRequest) => Promise<StoredPlan>,
): Promise<ChangeResult> {
  const plan = await change.plan(env, a);
  if (plan.refusals.length) throw refusalError(plan.refusals);
  if (plan.empty) return { kind: 'unchanged', plan };
  const pinned = change.pin ? change.pin(a, plan) : a;
  const stored = await request({
    id: randomUUID(),
    kind: change.kind,
    resource: change.planKey(pinned),
    subject: change.subject(pinned, plan),
    args: pinned as Record<string, unknown>,
    hash: plan.hash,
    text: plan.text,
    body: JSON.stringify(plan.body),
  });
  return { kind: 'approval', plan, stored };
}
