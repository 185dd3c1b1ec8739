import type { z } from 'zod';
import type { StoredPlan } from '../approval/plan-store.js';
import type { Config } from '../config/load.js';
import type { AnyChange } from '../pipeline/change.js';
import type { Ports } from '../pipeline/ports.js';
import type { PlanRequest } from '../pipeline/run-change.js';
import type { RunbookDeps } from '../runbook/deps.js';
import type { Block } from './block.js';
import type { Logger } from './logger.js';

export type { Block };

export interface Caller {
  transport: 'cli' | 'slack' | 'worker';
  userId?: string;
  channelId?: string;
}

export interface CommandContext {
  config: Config;
  log: Logger;
  caller: Caller;
  /** The consumer-group verdicts kept by the scheduled lag checks, where the process can reach them. */
  groupStatus?: (flow: string, group: string) => Promise<string | undefined>;
  /** Plan store, locks, audit trail, progress, group offsets (opened on first use in a one-shot process). */
  ports?: () => Promise<Ports>;
  /** Stores a plan for approval in Slack (the worker running a Slack command has this). */
  requestApproval?: (p: PlanRequest) => Promise<StoredPlan>;
  /** Asks the human at the terminal to confirm a plan (`prompt`: the question); only the CLI has one. */
  confirm?: (planText: string, prompt: string) => Promise<boolean>;
  /** The sub-commands of this kdr (set by the dispatcher from its registry; `help` prints their usage). */
  registry?: { usage(sub?: string): string };
  /** The runbook engine's dependencies (run store, steps, Slack and the queue where the process has them). */
  runbook?: () => Promise<RunbookDeps>;
  /** Set by the transport that received the command (the bot's request id), so log lines carry one. */
  requestId?: string;
}

/** How a command's result is shown: a terminal text and Block Kit (with a plain-text fallback). */
export interface View<T> {
  text(data: T): string;
  blocks(data: T): Block[];
  /** One line, used as the Slack notification/fallback text. */
  summary(data: T): string;
  /** The full output as a file, when the message had to summarise (Slack limits). */
  attachment?(data: T): { filename: string; title: string; content: string } | undefined;
  /** The answer is a finding that should fail a script (e.g. a chain that does not verify): exit status 1. */
  failed?(data: T): boolean;
}

/** Each file in commands/ exports one of these: it describes itself and calls the domain. */
export interface CommandSpec<A, T> {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  /** node:util parseArgs options (strings and booleans); validated afterwards by `args`. */
  options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  /** Validates `{ positionals, ...flags }`; the error names the flag and what was expected. */
  args: z.ZodType<A>;
  mutates: boolean;
  /** The changes this command makes (plan + executor each): the worker's executor registry is built from them. */
  changes?: AnyChange[];
  /** Answerable without I/O (help): the bot replies at once instead of enqueuing a job. */
  immediate?: boolean;
  run(ctx: CommandContext, args: A): Promise<T>;
  view: View<T>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds commands of every argument/result type
export type AnyCommand = CommandSpec<any, any>;

export type Outcome =
  | {
      kind: 'ok';
      command: string;
      data: unknown;
      text: string;
      blocks: Block[];
      summary: string;
      attachment?: { filename: string; title: string; content: string };
    }
  | { kind: 'usage'; command?: string; error?: string; text: string; blocks: Block[]; summary: string }
  | {
      kind: 'error';
      command: string;
      code: string;
      message: string;
      hint: string;
      retriable: boolean;
      /** A refusal (kdr decided not to act, with the reason and what to do), not a failure. */
      refused: boolean;
      text: string;
      blocks: Block[];
      summary: string;
    };
