/**
 * Consumer-group evaluation over a sliding window of samples, in the spirit of LinkedIn's Burrow:
 * OK, WARN (lag never decreased while the group commits), STALL (offset not moving while lag > 0 and the group
 * has members), STOP (offset not moving, lag > 0, no members), REWIND (a committed offset went backwards).
 * Burrow reads every commit from __consumer_offsets; kdr samples committed offsets at each scheduled check, so
 * "not committing" means "offset unchanged across the window", and membership tells STOP from STALL.
 */
export type GroupStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND' | 'NO_HISTORY';

export interface GroupSample {
  at: number;
  members: number;
  /** Per `topic:partition`: [committed, log end] on the source. */
  partitions: Record<string, [number, number]>;
}

export interface GroupVerdict {
  status: GroupStatus;
  reason: string;
}

const SEVERITY: GroupStatus[] = ['NO_HISTORY', 'OK', 'WARN', 'STALL', 'STOP', 'REWIND'];
export const MIN_SAMPLES = 3;

/** `samples` oldest first. */
export function evaluateGroup(samples: GroupSample[]): GroupVerdict {
  if (samples.length < MIN_SAMPLES)
    return { status: 'NO_HISTORY', reason: `${samples.length} of ${MIN_SAMPLES} samples so far` };
  const latest = samples[samples.length - 1]!;
  let worst: GroupVerdict = { status: 'OK', reason: 'lag decreasing or zero' };
  for (const key of Object.keys(latest.partitions)) {
    const series = samples
      .map((s) => s.partitions[key])
      .filter((x): x is [number, number] => x !== undefined);
    if (series.length < MIN_SAMPLES) continue;
    const v = evaluatePartition(key, series, latest.members);
    if (SEVERITY.indexOf(v.status) > SEVERITY.indexOf(worst.status)) worst = v;
  }
  return worst;
}

function evaluatePartition(key: string, series: Array<[number, number]>, members: number): GroupVerdict {
  const committed = series.map((s) => s[0]);
  const lags = series.map(([c, e]) => Math.max(0, e - c));
  for (let i = 1; i < committed.length; i++) {
    if (committed[i]! < committed[i - 1]!)
      return {
        status: 'REWIND',
        reason: `${key}: committed offset went back from ${committed[i - 1]} to ${committed[i]}`,
      };
  }
  const first = lags[0]!;
  const last = lags[lags.length - 1]!;
  if (last === 0) return { status: 'OK', reason: `${key}: caught up` };
  const moving = committed[committed.length - 1]! !== committed[0]!;
  if (!moving) {
    const why = `${key}: offset ${committed[0]} unchanged over ${series.length} samples while lag is ${last}`;
    return members === 0
      ? { status: 'STOP', reason: `${why} and the group has no members` }
      : { status: 'STALL', reason: `${why} with ${members} member(s)` };
  }
  const neverDecreased = lags.every((l, i) => i === 0 || l >= lags[i - 1]!);
  if (neverDecreased && last > first)
    return { status: 'WARN', reason: `${key}: lag grew from ${first} to ${last} and never decreased` };
  return { status: 'OK', reason: `${key}: consuming, lag ${last}` };
}
