import type { FlowConfig } from '../config/load.js';
import { formatDuration } from '../core/duration.js';
import type { Run } from './types.js';

const DAY = 86_400_000;

/** The newest drill of `flow` that completed (a failed or aborted drill does not count as practice). */
export const lastGoodDrill = (flow: string, runs: Run[]): Run | undefined =>
  runs
    .filter((r) => r.flow === flow && r.drill && r.state === 'completed' && r.endedAt)
    .sort((a, b) => Date.parse(b.endedAt!) - Date.parse(a.endedAt!))[0];

/**
 * The reminder to post when `flow`'s last successful drill is older than its cadence (`flows[].drill.every`), with
 * that drill's figures; undefined when a drill is recent enough or no cadence is set.
 */
export function drillReminder(flow: FlowConfig, runs: Run[], now: number): string | undefined {
  const every = flow.drill.every;
  if (every === 'off') return undefined;
  const last = lastGoodDrill(flow.name, runs);
  const age = last ? now - Date.parse(last.endedAt!) : undefined;
  if (age !== undefined && age <= every) return undefined;
  const policy = `policy: a drill every ${every % DAY === 0 ? `${every / DAY} day(s)` : formatDuration(every)}`;
  const how = `Run \`/kdr failover ${flow.name} --drill --groups <groups>\`, then \`/kdr failback ${flow.name} --drill\`.`;
  if (!last) return `:alarm_clock: ${flow.name} has never completed a drill (${policy}). ${how}`;
  const m = last.measurements;
  return [
    `:alarm_clock: ${flow.name} was last drilled ${Math.floor(age! / DAY)} day(s) ago (${policy}).`,
    `Last successful drill: ${last.run}, ${last.mode} ${last.kind}, ended ${last.endedAt}: RTO ${m.rtoMs === undefined ? '?' : formatDuration(m.rtoMs)} (target ${formatDuration(flow.rto)}), RPO ${m.rpoRecords ?? '?'} record(s), re-reads ${m.rereadsObserved ?? m.rereadsPredicted ?? '?'}.`,
    how,
  ].join('\n');
}
