import type { Message } from '../core/chat.js';
import type { Block, View } from '../core/command.js';
import type { StoredPlan } from './plan-store.js';

export const APPROVE_ACTION = 'kdr_approve';
export const REJECT_ACTION = 'kdr_reject';

const when = (iso: string) =>
  `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time_secs}|${iso}>`;
const PLAN_CHARS = 2600;

function statusLine(p: StoredPlan, note?: string): string {
  const approvals = p.approvals.map((a) => `<@${a.user}> ${when(a.at)}`).join(', ');
  switch (p.state) {
    case 'pending':
      return `:hourglass: Waiting for ${p.needed - p.approvals.length} more approval(s)${approvals ? ` (approved so far: ${approvals})` : ''}; expires ${when(new Date(p.expiresAt).toISOString())}.`;
    case 'approved':
      return `:white_check_mark: Approved by ${approvals}; queued for execution.`;
    case 'executing':
      return `:gear: Approved by ${approvals}; executing…`;
    case 'executed':
      return `:white_check_mark: Approved by ${approvals}. Done: ${p.result ?? ''}`;
    case 'failed':
      return `:x: Approved by ${approvals}. Failed: ${p.result ?? ''}`;
    case 'refused':
      return `:no_entry: Approved by ${approvals}. Refused at execution, nothing was changed: ${p.result ?? ''}`;
    case 'rejected':
      return `:no_entry: Rejected by <@${p.rejectedBy?.user}> ${p.rejectedBy ? when(p.rejectedBy.at) : ''}. Nothing was changed.`;
    case 'expired':
      return `:alarm_clock: Expired ${when(new Date(p.expiresAt).toISOString())} without enough approvals. Nothing was changed; run the command again to re-plan.${note ? ` ${note}` : ''}`;
    case 'superseded':
      return `:recycle: Replaced by a newer plan (${p.result ?? ''}). Nothing was changed by this one.`;
  }
}

/** The approval message: the plan in words, its state, and the buttons while it is pending. */
export function approvalMessage(p: StoredPlan, note?: string): Message {
  const plan =
    p.text.length > PLAN_CHARS ? `${p.text.slice(0, PLAN_CHARS)}\n… (full plan in the thread)` : p.text;
  const blocks: Block[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Approval needed* for \`${p.kind}\` requested by <@${p.requester}> (plan \`${p.id.slice(0, 8)}\`, sha256 \`${p.hash.slice(0, 12)}\`)`,
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${plan}\`\`\`` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: statusLine(p, note).slice(0, 2900) }] },
  ];
  if (p.state === 'pending')
    blocks.push({
      type: 'actions',
      // a fresh block_id per state, as Slack recommends when a message is updated
      block_id: `kdr-approval-${p.approvals.length}`,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: p.id,
          confirm: {
            title: { type: 'plain_text', text: 'Approve this plan?' },
            text: {
              type: 'mrkdwn',
              text: `kdr will run \`${p.kind}\` on ${p.subject.cluster ?? p.subject.lock ?? 'the cluster'} exactly as shown (sha256 ${p.hash.slice(0, 12)}).`.slice(
                0,
                300,
              ),
            },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: REJECT_ACTION,
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value: p.id,
        },
      ],
    });
  return { text: `kdr approval ${p.id.slice(0, 8)} (${p.kind}): ${p.state}`, blocks };
}

/** A plan waiting in Slack, as a command's result: the approval message; a long plan also goes in its thread. */
export const approvalView: View<StoredPlan> = {
  text: (p) => `${p.text}\nwaiting for approval in Slack (plan ${p.id})`,
  blocks: (p) => approvalMessage(p).blocks,
  summary: (p) =>
    `approval needed: ${p.kind} ${p.subject.group ?? p.subject.lock ?? ''} on ${p.subject.cluster ?? ''} (plan ${p.id.slice(0, 8)})`,
  attachment: (p) =>
    p.text.length > PLAN_CHARS
      ? { filename: `kdr-plan-${p.id.slice(0, 8)}.txt`, title: `plan ${p.id}`, content: p.text }
      : undefined,
};
