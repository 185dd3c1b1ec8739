import type { Config, FlowConfig } from '../config/load.js';
import type { Poster } from '../core/chat.js';
import type { Logger } from '../core/logger.js';
import type { SeenEnds } from '../health/health-store.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import type { ApplyIO, Refusal } from '../pipeline/change.js';
import type { Ports } from '../pipeline/ports.js';
import type { RunStorePort } from './run-store.js';
import type { Check, Gate, Run, StepId, StepRecord } from './types.js';

export interface StepContext {
  config: Config;
  log: Logger;
  ports: Ports;
  runs: RunStorePort;
  /** The flow as this run sees it: during a failback, reversed (the old target is the source). */
  flow: FlowConfig;
  /** The flow as configured (primary → DR), whatever the run's direction. */
  forward: FlowConfig;
  /** Slack, where the run lives there (absent in the terminal). */
  chat?: Poster;
  /** The source ends the scheduled health check last saw (see RunbookDeps). */
  seenEnds?: (flow: string) => Promise<SeenEnds | undefined>;
}

export interface StepPlan {
  text: string;
  /** What the plan does, as data: hashed (an approval binds to it) and handed to `execute`. */
  body: Record<string, unknown>;
  refusals?: Refusal[];
}

export interface StepOutcome {
  ok: boolean;
  result: string;
  checks: Check[];
  data?: Record<string, unknown>;
}

/** One step of the runbook: a plan, a gate, an executor that never repeats an external effect, and an undo. */
export interface RunStep {
  id: StepId;
  gate: Gate;
  /** A person may skip it instead of approving it (the Skip button, `runbook <run> skip`). */
  optional?: boolean;
  /** Why the step does not apply to this run (e.g. unplanned: no freeze), or undefined. */
  skip?(run: Run, ctx: StepContext): string | undefined;
  plan(ctx: StepContext, run: Run): Promise<StepPlan>;
  /** Records sub-progress through `io` before each external effect; checks the lock with `io.guard()`. */
  execute(ctx: StepContext, run: Run, body: Record<string, unknown>, io: ApplyIO): Promise<StepOutcome>;
  /** Abort: puts back what the step changed; returns what it did. */
  undo?(ctx: StepContext, run: Run, rec: StepRecord): Promise<string>;
}

export const stepOf = (run: Run, id: StepId): StepRecord => run.steps.find((s) => s.id === id)!;

/** Data a finished step left, typed by the reader. */
export const dataOf = <T>(run: Run, id: StepId): T | undefined => stepOf(run, id)?.data as T | undefined;

export const check = (
  name: string,
  pass: boolean,
  value: string | number | null,
  limit: string | number | null = null,
): Check => ({ name, pass, value, limit });

/** End offset of every partition of `topics` on `cluster` (`topic:partition` → offset). */
export async function endOffsets(ctx: StepContext, cluster: string, topics: string[]) {
  const reader = new ClusterReader(cluster, ctx.config.clusters[cluster]!, ctx.log);
  try {
    const out: Record<string, number> = {};
    for (const t of topics) for (const e of await reader.ends(t)) out[`${t}:${e.partition}`] = Number(e.high);
    return out;
  } finally {
    await reader.close();
  }
}

/** Polls `probe` every `everyMs` until it returns a value or `timeoutMs` passes (then undefined). */
export async function pollUntil<T>(
  timeoutMs: number,
  everyMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() + everyMs > end) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
