import type { AuditActor, AuditLog } from '../audit/audit-log.js';
import type { Poster } from '../core/chat.js';
import type { Logger } from '../core/logger.js';
import type { ApprovalJournal } from './approval-journal.js';
import { approvalMessage } from './approval-view.js';
import type { Approvers } from './approvers.js';
import type { StoredPlan } from './plan-store.js';
import type { PlanStorePort } from './plan-store-port.js';

export interface Click {
  action: 'approve' | 'reject';
  planId: string;
  userId: string;
  channel: string;
  messageTs: string;
  transport: 'http' | 'socket';
}

export interface DecisionDeps {
  plans: PlanStorePort;
  approvers: Approvers;
  audit: AuditLog;
  poster: Poster;
  log: Logger;
  twoPersonRule: boolean;
  /** Draws a plan that lives in another message (a runbook step) and reacts to its state; true when it did. */
  renderPlan?: (plan: StoredPlan) => Promise<boolean>;
  /** Approvals kept outside Redis, so that one a master switch took back is put back by the worker. */
  journal?: ApprovalJournal;
  /** Queues the execution; the job id is the plan id, so it can be queued only once. */
  enqueueExecution(planId: string): Promise<void>;
}

/**
 * A click on Approve or Reject, after Bolt verified the request and acknowledged it. Every refusal is an ephemeral
 * answer to the clicker and an audit entry; every decision updates the approval message, whoever made it.
 */
export async function handleClick(d: DecisionDeps, c: Click): Promise<string> {
  const actor: AuditActor = { transport: 'slack', user: c.userId, via: `button (${c.transport})` };
  const where = { channel: c.channel, ts: c.messageTs };
  const refuse = async (why: string, outcome: string, plan?: StoredPlan) => {
    await d.audit.append({
      action: `plan.${c.action}`,
      actor,
      subject: plan?.subject ?? { plan: c.planId },
      outcome: `refused: ${outcome}`,
      planId: c.planId,
      ...(plan ? { planHash: plan.hash } : {}),
      where,
    });
    await d.poster.postEphemeral(c.channel, c.userId, { text: `:no_entry: ${why}`, blocks: [] });
    return outcome;
  };
  const plan = await d.plans.get(c.planId);
  if (!plan)
    return refuse(
      `kdr has no plan ${c.planId}: nothing was done. Run the command again to make a new plan.`,
      'unknown plan',
    );
  const approver = await d.approvers.isApprover(c.userId).catch((err: Error) => {
    d.log.error({ err: err.message }, 'approver lookup failed');
    return undefined;
  });
  if (approver === undefined)
    return refuse(
      'kdr could not check the approver groups with Slack just now; nothing was done. Try again in a minute.',
      'approver lookup failed',
      plan,
    );
  const requesterWithdraws = c.action === 'reject' && c.userId === plan.requester;
  if (!approver && !requesterWithdraws)
    return refuse(
      `only approvers may ${c.action} plans (${d.approvers.describe()}); you are not one of them. Nothing was done.`,
      'not an approver',
      plan,
    );
  if (c.action === 'approve' && d.twoPersonRule && c.userId === plan.requester && !plan.confirmOnly)
    return refuse(
      'two-person rule: you requested this plan, so someone else must approve it. Nothing was done.',
      'own plan',
      plan,
    );

  const { result, plan: now } = await d.plans.decide(c.planId, c.userId, c.action);
  const audit = (outcome: string) =>
    d.audit.append({
      action: `plan.${c.action}`,
      actor,
      subject: plan.subject,
      outcome,
      planId: plan.id,
      planHash: plan.hash,
      where,
    });
  switch (result) {
    case 'missing':
      return refuse(`kdr has no plan ${c.planId} any more: nothing was done.`, 'unknown plan');
    case 'expired':
      await audit('refused: expired');
      await updateMessage(d, now!);
      await d.poster.postEphemeral(c.channel, c.userId, {
        text: ':alarm_clock: This plan expired before it was approved: nothing was done. Run the command again to re-plan.',
        blocks: [],
      });
      return 'expired';
    case 'duplicate':
      await d.poster.postEphemeral(c.channel, c.userId, {
        text: `You already approved this plan; it needs ${now!.needed - now!.approvals.length} more approval(s) from other approvers.`,
        blocks: [],
      });
      return 'duplicate';
    case 'recorded':
      await audit(`approval recorded (${now!.approvals.length} of ${now!.needed})`);
      await updateMessage(d, now!);
      return 'recorded';
    case 'approved':
      try {
        d.journal?.record(now!);
      } catch (err) {
        d.log.error({ err: (err as Error).message, plan: plan.id }, 'could not journal the approval');
      }
      await audit('approved');
      await updateMessage(d, now!);
      try {
        await d.enqueueExecution(plan.id);
      } catch (err) {
        // the plan is approved and indexed as such: the worker's sweeper queues it within seconds
        d.log.error({ err: (err as Error).message, plan: plan.id }, 'queueing an approved plan failed');
        await d.audit.append({
          action: 'plan.queue',
          actor,
          subject: plan.subject,
          outcome: `failed (${(err as Error).message}): the worker's sweeper will queue it`,
          planId: plan.id,
          planHash: plan.hash,
          where,
        });
        await d.poster.postEphemeral(c.channel, c.userId, {
          text: `:warning: Your approval is recorded, but queueing the execution failed (${(err as Error).message}). kdr's worker queues approved plans it finds without a job within a few seconds; if the message does not show "executing" within a minute, check that \`kdr worker\` runs and reaches Redis.`,
          blocks: [],
        });
        return 'approved, queueing failed';
      }
      return 'approved';
    case 'rejected':
      await audit('rejected');
      await updateMessage(d, now!);
      return 'rejected';
    default: {
      const state = result.slice('state:'.length);
      await d.poster.postEphemeral(c.channel, c.userId, {
        text: `This plan is already ${state}${now?.approvals.length ? ` (approved by ${now.approvals.map((a) => `<@${a.user}>`).join(', ')})` : ''}; nothing more to do.`,
        blocks: [],
      });
      return `already ${state}`;
    }
  }
}

export async function updateMessage(
  d: { poster: Poster; log: Logger; renderPlan?: (plan: StoredPlan) => Promise<boolean> },
  plan: StoredPlan,
  note?: string,
): Promise<void> {
  // plans shown by another message (a runbook step lives in its run message) are drawn by their owner
  if (d.renderPlan && (await d.renderPlan(plan).catch(() => false))) return;
  if (!plan.ts) return;
  await d.poster
    .updateMessage(plan.channel, plan.ts, approvalMessage(plan, note))
    .catch((err: Error) =>
      d.log.error({ err: err.message, plan: plan.id }, 'could not update the approval message'),
    );
}
