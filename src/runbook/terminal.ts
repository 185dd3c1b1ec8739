import type { AuditActor } from '../audit/audit-log.js';
import { KdrError } from '../core/errors.js';
import { runOnTerminal } from '../pipeline/run-change.js';
import { advance, type RunbookDeps } from './engine.js';
import { stepChange } from './step-change.js';
import type { Run } from './types.js';

export interface TerminalRunGate {
  actor: AuditActor;
  yes: boolean;
  confirm?: (planText: string, prompt: string) => Promise<boolean>;
  /** A line per step as it ends (the terminal's progress). */
  progress?: (line: string) => void;
}

/**
 * The break-glass path: the same steps, plans, hashes, locks and audit trail as in Slack, run in this process;
 * each gated step is shown and confirmed on the terminal (or `--yes`, recorded). Stops at the first failed step
 * with the facts; `kdr runbook <run> retry` or `kdr abort <run>` continue from there.
 */
export async function driveInTerminal(d: RunbookDeps, runId: string, gate: TerminalRunGate): Promise<Run> {
  const change = stepChange(d);
  const env = { config: d.config, log: d.log, ports: d.ports };
  for (;;) {
    const run = (await d.runs.get(runId))!;
    if (run.state !== 'running' && run.state !== 'open') return run;
    const step = run.steps.find((s) => s.state !== 'done' && s.state !== 'skipped');
    if (!step) return advance(d, runId);
    if (step.state === 'failed') return run;
    await d.runs.update(runId, (r) => {
      const s = r.steps.find((x) => x.id === step.id)!;
      s.plannedAt = new Date().toISOString();
      return r;
    });
    const auto = step.gate === 'auto';
    const ran = await runOnTerminal(
      env,
      change,
      { run: runId, step: step.id },
      {
        actor: gate.actor,
        yes: gate.yes,
        auto,
        ...(gate.confirm
          ? {
              confirm: (text: string) =>
                gate.confirm!(
                  `${step.id}: ${text}`,
                  step.gate === 'confirm' ? `Confirm ${step.id} is done?` : `Approve ${step.id}?`,
                ),
            }
          : {}),
      },
    ).catch(async (err: unknown) => {
      // declined, refused or failed before the step ran: the run waits for a person, with the reason
      const why = err instanceof KdrError ? `${err.message}${err.hint ? ` (${err.hint})` : ''}` : String(err);
      await d.runs.update(runId, (r) => ({
        ...r,
        state: 'waiting',
        waitingFor: `a person: ${step.id} not run: ${why}; \`kdr runbook ${runId} retry\` or \`kdr abort ${runId}\``,
      }));
      return undefined;
    });
    if (!ran) return (await d.runs.get(runId))!;
    const after = (await d.runs.get(runId))!;
    const s = after.steps.find((x) => x.id === step.id)!;
    gate.progress?.(`${s.state === 'done' ? 'done' : s.state.toUpperCase()} ${s.id}: ${s.result ?? ''}`);
    if (s.state !== 'done') return after;
  }
}
