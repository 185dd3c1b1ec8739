import { userInfo } from 'node:os';
import type { CommandContext } from '../core/command.js';
import { KdrError } from '../core/errors.js';
import { cliActor } from '../pipeline/actors.js';
import { advance, type OpenOptions, openRun } from './engine.js';
import { driveInTerminal } from './terminal.js';
import type { Run } from './types.js';

/**
 * What `failover` and `failback` share: open the run as the caller, then either hand it to the worker (Slack: the
 * steps are approved in the incident channel) or drive it here (terminal: each gated step confirmed, or `--yes`).
 */
export async function startRun(
  ctx: CommandContext,
  o: Omit<OpenOptions, 'requester' | 'transport'>,
  yes: boolean,
): Promise<Run> {
  const kind = o.kind ?? 'failover';
  if (!ctx.runbook)
    throw new KdrError('KDR_INTERNAL', 'this process cannot run a runbook', {
      hint: `use /kdr ${kind} or \`kdr ${kind}\``,
    });
  const d = await ctx.runbook();
  const cli = ctx.caller.transport === 'cli';
  const opened = await openRun(d, {
    ...o,
    requester: ctx.caller.userId ?? `cli:${userInfo().username}`,
    transport: cli ? 'cli' : 'slack',
  });
  if (!cli) return advance(d, opened.run);
  return driveInTerminal(d, opened.run, {
    actor: cliActor(yes ? 'cli --yes' : 'cli confirmation'),
    yes,
    ...(ctx.confirm ? { confirm: ctx.confirm } : {}),
  });
}
