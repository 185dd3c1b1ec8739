import { APPROVE_ACTION, REJECT_ACTION } from '../approval/approval-view.js';
import type { StoredPlan } from '../approval/plan-store-port.js';
import type { Config } from '../config/load.js';
import type { Block } from '../core/block.js';
import type { Message } from '../core/chat.js';
import { formatDuration } from '../core/duration.js';
import type { RUN_ACTIONS } from './run-actions.js';
import type { Run, StepRecord } from './types.js';

const ICON: Record<StepRecord['state'], string> = {
  pending: ':white_circle:',
  'awaiting approval': ':hourglass_flowing_sand:',
  executing: ':gear:',
  done: ':white_check_mark:',
  skipped: ':fast_forward:',
  failed: ':x:',
  compensated: ':leftwards_arrow_with_hook:',
};
const PLAN_CHARS = 2400;

const LIVE = new Set(['open', 'running', 'waiting']);

/** Skip (an optional step waiting for approval), Pause (or Resume) and Abort, as the run's state allows; Abort asks first and stops at cutover (failback then). */
function runButtons(run: Run): Block[] {
  if (!LIVE.has(run.state) && run.state !== 'paused') return [];
  const cutover = run.steps.find((s) => s.id === 'cutover')?.state === 'done';
  const btn = (action: keyof typeof RUN_ACTIONS, text: string) => ({
    type: 'button',
    action_id: action,
    text: { type: 'plain_text', text },
    value: run.run,
  });
  const optional = run.steps.find((s) => s.optional && s.state === 'awaiting approval');
  return [
    ...(optional && LIVE.has(run.state) ? [btn('kdr_run_skip', `Skip ${optional.id}`)] : []),
    run.state === 'paused' ? btn('kdr_run_resume', 'Resume') : btn('kdr_run_pause', 'Pause'),
    ...(cutover
      ? []
      : [
          {
            ...btn('kdr_run_abort', 'Abort run'),
            style: 'danger',
            confirm: {
              title: { type: 'plain_text', text: 'Abort this run?' },
              text: {
                type: 'mrkdwn',
                text: `Plans the abort of run ${run.run} (undo of every step done so far); it needs approval like a step.`,
              },
              confirm: { type: 'plain_text', text: 'Plan the abort' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
        ]),
  ];
}

export function stepLine(s: StepRecord): string {
  const took =
    s.machineMs !== undefined
      ? ` (${formatDuration(s.machineMs)}${s.waitMs ? `, waited ${formatDuration(s.waitMs)}` : ''})`
      : '';
  const result = s.result ? ` — ${s.result.split('\n')[0]!.slice(0, 160)}` : '';
  return `${ICON[s.state]} *${s.id}* ${s.state}${took}${result}`;
}

export function runTitle(run: Run): string {
  return `${run.drill ? '[DRILL] ' : ''}${run.mode} ${run.kind} of ${run.flow} · run ${run.run} · ${run.state}`;
}

/** The one run message in the incident channel, edited in place: header, checklist, current plan, buttons. */
export function runMessage(run: Run, current?: StoredPlan): Message {
  const elapsed = (run.endedAt ? Date.parse(run.endedAt) : Date.now()) - Date.parse(run.startedAt);
  const m = run.measurements;
  const blocks: Block[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${runTitle(run)}*\nopened by <@${run.requester}> · elapsed ${formatDuration(elapsed)}${run.waitingFor ? `\n:raising_hand: waiting for ${run.waitingFor}` : ''}${m.rtoMs !== undefined ? `\nRTO ${formatDuration(m.rtoMs)} · RPO ${m.rpoRecords ?? '?'} record(s)` : ''}${run.splitBrain ? `\n:rotating_light: split-brain: ${run.splitBrain.records} record(s) on ${run.splitBrain.partitions} partition(s) of the old primary after the freeze` : ''}`.slice(
          0,
          2900,
        ),
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: run.steps.map(stepLine).join('\n').slice(0, 2900) } },
  ];
  if (
    current &&
    (current.state === 'pending' || current.state === 'approved' || current.state === 'executing')
  ) {
    const text =
      current.text.length > PLAN_CHARS
        ? `${current.text.slice(0, PLAN_CHARS)}\n… (whole plan: \`kdr runbook ${run.run}\`)`
        : current.text;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${text}\`\`\`` } });
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `plan \`${current.id.slice(0, 8)}\` sha256 \`${current.hash.slice(0, 12)}\` · ${current.approvals.length}/${current.needed} approval(s) · \`/kdr runbook ${run.run} pause\` · \`/kdr abort ${run.run}\``,
        },
      ],
    });
  }
  if (current?.state === 'pending') {
    const confirm = current.confirmOnly;
    blocks.push({
      type: 'actions',
      block_id: `kdr-run-${current.id.slice(0, 8)}-${current.approvals.length}`,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          text: {
            type: 'plain_text',
            text: confirm ? 'Confirm: done' : `Approve ${String(current.subject.step ?? 'step')}`,
          },
          style: 'primary',
          value: current.id,
          confirm: {
            title: { type: 'plain_text', text: confirm ? 'Confirm this?' : 'Approve this step?' },
            text: {
              type: 'mrkdwn',
              text: `${String(current.subject.step)} of run ${run.run}, exactly as shown (sha256 ${current.hash.slice(0, 12)}).`,
            },
            confirm: { type: 'plain_text', text: confirm ? 'Confirm' : 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: REJECT_ACTION,
          text: { type: 'plain_text', text: 'Reject' },
          value: current.id,
        },
        ...runButtons(run),
      ],
    });
  } else {
    const controls = runButtons(run);
    if (controls.length)
      blocks.push({ type: 'actions', block_id: `kdr-run-controls-${run.state}`, elements: controls });
  }
  return { text: `kdr ${runTitle(run)}`, blocks };
}

/** The three stakeholder posts: started; declared (RTO, RPO, the new bootstrap); ended or aborted. */
export function stakeholderText(
  run: Run,
  what: 'started' | 'declared' | 'ended' | 'aborted',
  config: Config,
): string {
  const tag = run.drill ? '[DRILL] ' : '';
  const flow = config.flows.find((f) => f.name === run.flow);
  const m = run.measurements;
  // a failback runs towards the flow's source: the clusters' roles are the other way round
  const to = run.kind === 'failback' ? flow?.source : flow?.target;
  const from = run.kind === 'failback' ? flow?.target : flow?.source;
  switch (what) {
    case 'started':
      return `${tag}:rotating_light: ${run.mode} ${run.kind} of ${run.flow} started (run ${run.run}, opened by <@${run.requester}>). Updates follow here.`;
    case 'declared':
      return `${tag}:white_check_mark: ${run.flow} now runs on ${to ?? 'the other cluster'} (bootstrap ${to ? config.clusters[to]?.bootstrap.join(',') : '?'}). RTO ${m.rtoMs !== undefined ? formatDuration(m.rtoMs) : '?'}; data loss ${m.rpoRecords ?? '?'} record(s)${m.rpoWindowMs ? ` (window ${formatDuration(m.rpoWindowMs)})` : ''}.`;
    case 'ended':
      return `${tag}:checkered_flag: run ${run.run} ended (${run.state}); the report is in the incident thread.`;
    case 'aborted':
      return `${tag}:leftwards_arrow_with_hook: ${run.kind} of ${run.flow} aborted (run ${run.run}); ${from ?? 'the current cluster'} stays the primary.`;
  }
}
