import type { Config } from '../config/load.js';
import type { Poster } from '../core/chat.js';
import type { Logger } from '../core/logger.js';
import type { Mute, SeenEnds } from '../health/health-store.js';
import type { Ports } from '../pipeline/ports.js';
import type { RunStorePort } from './run-store.js';
import type { RunStep } from './step.js';

export interface RunbookDeps {
  config: Config;
  log: Logger;
  ports: Ports;
  runs: RunStorePort;
  /** The failover runbook's steps, and the failback's. */
  steps: RunStep[];
  failbackSteps?: RunStep[];
  /** Slack, where the run lives there. */
  chat?: Poster;
  /** The source end offsets the scheduled health check last saw: an unplanned run counts its loss from them. */
  seenEnds?: (flow: string) => Promise<SeenEnds | undefined>;
  /** The flow's scheduled alerts: muted while a run holds it, and after a failover until failback. */
  alerts?: {
    mute(flow: string, m: Mute): Promise<void>;
    unmute(flow: string, run: string): Promise<boolean>;
  };
  /** Queues an approved step plan for the worker (absent in the terminal, which runs steps itself). */
  enqueue?: (planId: string) => Promise<void>;
}
