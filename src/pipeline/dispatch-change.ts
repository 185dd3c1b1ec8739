import type { StoredPlan } from '../approval/plan-store.js';
import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { cliActor } from './actors.js';
import type { AnyChange } from './change.js';
import type { Ports } from './ports.js';
import { type ChangeResult, type PlanRequest, requestApproval, runOnTerminal } from './run-change.js';

/** What a command's context offers a change (structurally the command context; no import of it here). */
export interface ChangeCaller {
  config: Config;
  log: Logger;
  caller: { transport: 'cli' | 'slack' | 'worker' };
  ports?: () => Promise<Ports>;
  requestApproval?: (p: PlanRequest) => Promise<StoredPlan>;
  confirm?: (planText: string, prompt: string) => Promise<boolean>;
}

/**
 * Every mutating command goes through here: from Slack the plan is stored for approval (the worker executes it);
 * from a terminal it is confirmed (or `--yes`) and executed at once, under the same lock and audit rules.
 */
export async function dispatchChange(
  ctx: ChangeCaller,
  change: AnyChange,
  a: unknown,
  opts: { yes: boolean },
): Promise<ChangeResult> {
  if (!ctx.ports)
    throw new KdrError('KDR_INTERNAL', 'this process has no plan store, locks or audit trail', {
      hint: 'run mutating commands from the terminal (`kdr`) or Slack',
    });
  const env = { config: ctx.config, log: ctx.log, ports: await ctx.ports() };
  if (ctx.requestApproval) return requestApproval(env, change, a, ctx.requestApproval);
  if (ctx.caller.transport !== 'cli')
    throw new KdrError(
      'KDR_NEEDS_APPROVAL',
      `${change.kind} needs an approval, and this process cannot ask for one`,
      {
        hint: 'use /kdr in Slack (Approve/Reject buttons) or `kdr` in a terminal (break-glass)',
      },
    );
  return runOnTerminal(env, change, a, {
    actor: cliActor(opts.yes ? 'cli --yes' : 'cli confirmation'),
    yes: opts.yes,
    ...(ctx.confirm ? { confirm: ctx.confirm } : {}),
  });
}
