import { startPeriodic } from '../core/periodic.js';
import type { RunbookDeps } from './deps.js';
import { audit, refresh, stepContext } from './engine.js';
import { splitBrain } from './steps/cutover.js';
import type { Run } from './types.js';

const WATCHED = new Set(['running', 'waiting', 'paused', 'completed']);
/** How long after its end a completed run's old primary is still watched. */
const AFTER_MS = 24 * 3600_000;

/** A run whose fence is done and whose writes were frozen: its old primary must take no more writes. */
function watched(run: Run, now: number): boolean {
  if (!WATCHED.has(run.state) || run.kind !== 'failover') return false;
  if (run.state === 'completed' && now - Date.parse(run.endedAt ?? run.startedAt) > AFTER_MS) return false;
  return (
    run.steps.some((s) => s.id === 'fence' && s.state === 'done') &&
    run.steps.some((s) => s.id === 'freeze' && s.data)
  );
}

/**
 * The split-brain watch, one pass: for every watched run, the old primary's mirrored partitions are compared with
 * the ends recorded at the freeze; records that appeared since are split-brain writes. A new count raises one alert
 * in the run's thread and one audit entry, and is kept on the run (cutover and declare refuse; failback counts them).
 */
export async function watchSplitBrain(d: RunbookDeps, now = Date.now()): Promise<string[]> {
  const alerts: string[] = [];
  for (const run of await d.runs.list(20)) {
    if (!watched(run, now)) continue;
    const sb = await splitBrain(stepContext(d, run), run);
    if (!sb || sb.records <= (run.splitBrain?.records ?? 0)) continue;
    const updated = await d.runs.update(run.run, (r) =>
      (r.splitBrain?.records ?? 0) >= sb.records ? undefined : { ...r, splitBrain: sb },
    );
    if (updated.splitBrain?.records !== sb.records || updated.version === run.version) continue;
    const text = `:rotating_light: split-brain: ${sb.records} record(s) on ${sb.partitions} partition(s) of ${run.flow}'s old primary were written after the freeze (run ${run.run}). Find and stop the writer; cutover and declare are refused while this stands.`;
    alerts.push(text);
    await audit(
      d,
      updated,
      'run.split-brain',
      `${sb.records} record(s) on ${sb.partitions} partition(s) after the freeze`,
    );
    if (d.chat && updated.channel && updated.ts)
      await d.chat
        .postMessage(updated.channel, { text, blocks: [], threadTs: updated.ts })
        .catch(() => undefined);
    await refresh(d, updated);
  }
  return alerts;
}

/** Runs the watch every `everyMs` (one pass at a time) until stopped. */
export function startSplitBrainWatch(d: RunbookDeps, everyMs: number): { stop(): void } {
  return startPeriodic(
    everyMs,
    () => watchSplitBrain(d),
    (err) => d.log.warn({ err: err.message }, 'split-brain watch failed'),
  );
}
