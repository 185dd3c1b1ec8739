import { approvalView } from '../approval/approval-view.js';
import type { StoredPlan } from '../approval/plan-store.js';
import { describeAction, type RestoreOutcome } from '../backup/restore-apply.js';
import type { RestorePlan } from '../backup/restore-plan.js';
import type { Block, View } from '../core/command.js';

export type RestoreResult =
  | { kind: 'plan'; plan: RestorePlan; dryRun: boolean }
  | ({ kind: 'applied'; authorisedBy: string } & RestoreOutcome)
  | { kind: 'approval'; plan: StoredPlan };

const SHOWN = 20;

/** The plan in words: what it will do, what it will not do and why, notes, and its hash. */
export function restorePlanText(p: RestorePlan, limit = Number.POSITIVE_INFINITY): string {
  const lines = [
    `restore ${p.backupId} (${p.from.cluster}, cluster id ${p.from.clusterId}) onto ${p.to.cluster} (cluster id ${p.to.clusterId}); ${p.mapping}`,
  ];
  if (!p.actions.length)
    lines.push(`will do: nothing — ${p.to.cluster} already holds everything this restore would write`);
  else {
    lines.push(`will do (${p.actions.length}):`);
    for (const [i, a] of p.actions.slice(0, limit).entries()) lines.push(`  ${i + 1}. ${describeAction(a)}`);
    if (p.actions.length > limit)
      lines.push(`  … and ${p.actions.length - limit} more (full plan in the attached file)`);
  }
  if (p.willNot.length) {
    lines.push(`will not do (${p.willNot.length}):`);
    for (const w of p.willNot.slice(0, limit)) lines.push(`  - ${w.what}: ${w.reason}`);
    if (p.willNot.length > limit) lines.push(`  … and ${p.willNot.length - limit} more`);
  }
  if (p.notes.length) lines.push('notes:', ...p.notes.map((n) => `  - ${n}`));
  lines.push(`plan sha256 ${p.hash.slice(0, 16)}`);
  return lines.join('\n');
}

function text(r: RestoreResult, limit = Number.POSITIVE_INFINITY): string {
  if (r.kind === 'approval') return approvalView.text(r.plan);
  if (r.kind === 'plan')
    return `${restorePlanText(r.plan, limit)}${r.dryRun || !r.plan.actions.length ? '' : '\nnot applied'}`;
  const failed = r.steps.find((s) => !s.ok);
  const lines = [
    `restore ${r.plan.backupId} onto ${r.plan.to.cluster} (${r.authorisedBy}): ${r.steps.filter((s) => s.ok).length} of ${r.plan.actions.length} action(s) applied`,
    ...r.steps
      .slice(0, limit)
      .map((s) => `  ${s.ok ? 'done' : 'FAILED'}: ${s.action}${s.detail ? ` — ${s.detail}` : ''}`),
  ];
  if (failed)
    lines.push(
      `stopped at the failure; ${r.plan.actions.length - r.steps.length} action(s) not attempted. Re-run the restore: it plans from what is there now`,
    );
  lines.push(
    r.remaining.length
      ? `verification: a new plan still lists ${r.remaining.length} action(s): ${r.remaining.slice(0, 3).join('; ')}`
      : 'verification: a new plan against the live state is empty',
  );
  return lines.join('\n');
}

export const restoreView: View<RestoreResult> = {
  text: (r) => text(r),
  summary: (r) =>
    r.kind === 'approval'
      ? approvalView.summary(r.plan)
      : r.kind === 'plan'
        ? `restore plan for ${r.plan.to.cluster}: ${r.plan.actions.length} action(s), ${r.plan.willNot.length} not done`
        : `restore onto ${r.plan.to.cluster}: ${r.steps.filter((s) => s.ok).length}/${r.plan.actions.length} applied${r.remaining.length ? `, ${r.remaining.length} remaining` : ', verified'}`,
  blocks: (r): Block[] =>
    r.kind === 'approval'
      ? approvalView.blocks(r.plan)
      : [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${text(r, SHOWN).slice(0, 2900)}\`\`\`` } }],
  attachment: (r) =>
    r.kind === 'approval'
      ? approvalView.attachment?.(r.plan)
      : {
          filename: `kdr-restore-${r.plan.backupId}.txt`,
          title: `restore ${r.plan.backupId} onto ${r.plan.to.cluster}`,
          content: text(r),
        },
};
