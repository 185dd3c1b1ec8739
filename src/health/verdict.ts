import { formatDuration } from '../core/duration.js';

export type Level = 'ok' | 'warn' | 'breach' | 'unknown';

export interface VerdictInput {
  rpoMs: number;
  warnRatio: number;
  /** Hysteresis: a level is left only when the figure is this fraction below the threshold that raised it. */
  hysteresis: number;
  heartbeatAgeMs: number | null;
  /** Age of the oldest record not yet replicated, where measured. */
  maxLagMs: number | null;
  targetReachable: boolean;
  heartbeatTopic: string;
  connectorProblems: string[];
}

export interface Verdict {
  verdict: Level;
  reason: string;
  /** The figure judged: replication latency in ms (max of heartbeat age and oldest unreplicated record). */
  latencyMs: number | null;
}

const s = (ms: number) => formatDuration(ms);

/**
 * The RPO verdict of a flow. `previous` applies hysteresis: staying at a level needs the figure to fall
 * `hysteresis` below that level's threshold before a lower level is given, so a value hovering at a
 * threshold does not flap.
 */
export function judgeFlow(input: VerdictInput, previous?: Level): Verdict {
  if (!input.targetReachable)
    return {
      verdict: 'unknown',
      reason: 'the target cluster is unreachable: replication cannot be measured',
      latencyMs: null,
    };
  if (input.heartbeatAgeMs === null) {
    return {
      verdict: 'unknown',
      reason: `no heartbeat in ${input.heartbeatTopic} yet: is the heartbeat emitter running and its topic mirrored?`,
      latencyMs: null,
    };
  }
  const hb = input.heartbeatAgeMs;
  const lagMs = input.maxLagMs ?? 0;
  const latency = Math.max(hb, lagMs);
  const what = lagMs > hb ? `oldest unreplicated record ${s(lagMs)} old` : `heartbeats ${s(hb)} old`;
  const rpo = `RPO ${s(input.rpoMs)}`;
  const warnAt = input.rpoMs * input.warnRatio;
  const keep = 1 - input.hysteresis;
  const breach = latency >= input.rpoMs || (previous === 'breach' && latency >= input.rpoMs * keep);
  if (breach) return { verdict: 'breach', reason: `${what}, ${rpo}`, latencyMs: latency };
  const warnByLatency =
    latency >= warnAt || ((previous === 'warn' || previous === 'breach') && latency >= warnAt * keep);
  if (warnByLatency)
    return { verdict: 'warn', reason: `${what}, warning at ${s(warnAt)} (${rpo})`, latencyMs: latency };
  if (input.connectorProblems.length)
    return { verdict: 'warn', reason: `${input.connectorProblems[0]} (${what}, ${rpo})`, latencyMs: latency };
  return { verdict: 'ok', reason: `${what}, ${rpo}`, latencyMs: latency };
}
