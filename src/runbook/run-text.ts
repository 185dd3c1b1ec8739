import { formatDuration } from '../core/duration.js';
import { table } from '../render/table.js';
import { runTitle } from './run-view.js';
import type { Run } from './types.js';

/** A run for the terminal: title, a row per step, figures, what it waits for. */
export function runText(run: Run): string {
  const m = run.measurements;
  const rows = run.steps.map((s) => [
    s.id,
    s.state,
    s.machineMs === undefined ? '' : formatDuration(s.machineMs),
    s.waitMs ? formatDuration(s.waitMs) : '',
    (s.result ?? '').split('\n')[0]!.slice(0, 120),
  ]);
  return [
    runTitle(run),
    `opened by ${run.requester} at ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ''}`,
    table(['step', 'state', 'machine', 'waited', 'result'], rows),
    ...(m.rtoMs !== undefined
      ? [`RTO ${formatDuration(m.rtoMs)}; RPO ${m.rpoRecords ?? '?'} record(s)`]
      : []),
    ...(run.splitBrain
      ? [`split-brain: ${run.splitBrain.records} record(s) on ${run.splitBrain.partitions} partition(s)`]
      : []),
    ...(run.waitingFor ? [`waiting for ${run.waitingFor}`] : []),
    ...run.problems.map((p) => `problem: ${p}`),
  ].join('\n');
}
