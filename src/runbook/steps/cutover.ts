import type { AclBinding } from '../../kafka/metadata-types.js';
import { remoteTopic } from '../../mm2/naming.js';
import { hookFailed, runHook } from '../hooks.js';
import { check, dataOf, type RunStep, type StepContext } from '../step.js';
import type { Run } from '../types.js';
import type { AssessData } from './assess.js';
import { copiedFence, removeCopiedFence } from './freeze-acl.js';
import { type FreezeData, sourceEnds } from './freeze-drain.js';

/**
 * Records written on the old primary after the freeze (end offsets past the frozen ends): split-brain writes.
 * Undefined when it cannot be told (unplanned run, or the old primary does not answer).
 */
export async function splitBrain(ctx: StepContext, run: Run) {
  const frozen = dataOf<FreezeData>(run, 'freeze')?.frozenEnds;
  if (!frozen) return undefined;
  try {
    const now = await sourceEnds(ctx, ctx.flow, Object.keys(frozen));
    const grown = Object.entries(now).filter(([k, end]) => end > (frozen[k] ?? end));
    return { records: grown.reduce((n, [k, end]) => n + end - frozen[k]!, 0), partitions: grown.length };
  } catch {
    return undefined;
  }
}

/**
 * cutover (a person confirms): the clients notice (bootstrap, topic map, expected re-reads) and the redirect hook
 * when configured; done when a person confirms the clients switched. Refused while the old primary takes writes.
 */
export const cutover: RunStep = {
  id: 'cutover',
  gate: 'confirm',
  plan: async (ctx, run) => {
    const target = ctx.config.clusters[ctx.flow.target]!;
    const topics = [
      ...new Set(
        Object.keys(dataOf<AssessData>(run, 'assess')?.sourceEnds ?? {}).map((k) =>
          k.slice(0, k.lastIndexOf(':')),
        ),
      ),
    ].sort();
    const hook = ctx.config.hooks.redirectClients;
    const copied = await copiedFence(ctx, topics);
    return {
      text: [
        ...(copied.length
          ? [
              `remove ${copied.length} DENY binding(s) of the fenced producers that MM2's ACL sync copied to ${ctx.flow.target} (${copied
                .slice(0, 3)
                .map((b) => `${b.principal} on ${b.resourceName}`)
                .join(', ')}${copied.length > 3 ? ', …' : ''}): they would refuse the producers there`,
            ]
          : []),
        `clients move to ${ctx.flow.target}: bootstrap ${target.bootstrap.join(',')}`,
        `consumers read: ${topics
          .slice(0, 8)
          .map((t) => `${t} → ${remoteTopic(ctx.flow, t)}`)
          .join(
            ', ',
          )}${topics.length > 8 ? ` … (${topics.length})` : ''}; producers write the local topics on ${ctx.flow.target}`,
        hook
          ? `run hook redirectClients (${hook.command ? hook.command.join(' ') : new URL(hook.webhook!).host})`
          : 'no redirectClients hook: repoint the clients by hand',
        'confirm once the clients are switched',
      ].join('\n'),
      body: { target: ctx.flow.target, hook: hook ? 'redirectClients' : null, copied, topics },
    };
  },
  execute: async (ctx, run, body, io) => {
    const sb = await splitBrain(ctx, run);
    const checks = [
      check(
        'records on the old primary after the freeze',
        !sb || sb.records === 0,
        sb ? sb.records : 'not measurable',
        0,
      ),
    ];
    if (sb && sb.records > 0 && run.mode === 'planned')
      return {
        ok: false,
        result: `split-brain: ${sb.records} record(s) on ${sb.partitions} partition(s) of ${ctx.flow.source} were written after the freeze; cutover refused. Find the writer, then retry or abort`,
        checks,
        data: { splitBrain: sb },
      };
    const copied = (body.copied ?? []) as AclBinding[];
    if (copied.length && !(await io.isDone('cutover:acl'))) {
      await io.guard();
      await removeCopiedFence(ctx, copied);
      await io.markDone('cutover:acl');
    }
    if (copied.length) {
      const left = (await copiedFence(ctx, (body.topics ?? []) as string[])).length;
      checks.push(check(`fence copies left on ${ctx.flow.target}`, left === 0, left, 0));
      if (left)
        return {
          ok: false,
          result: `${left} DENY binding(s) of the fenced producers are still on ${ctx.flow.target}: retry, or remove them by hand`,
          checks,
        };
    }
    let hook: string | undefined;
    if (body.hook && !(await io.isDone('cutover:hook'))) {
      await io.guard();
      const r = await runHook(ctx.config, 'redirectClients', {
        run: run.run,
        flow: run.flow,
        step: 'cutover',
      });
      if (r && !r.ok) throw hookFailed('redirectClients', r);
      hook = r?.what;
      await io.markDone('cutover:hook');
    }
    return {
      ok: true,
      result: `clients switched to ${ctx.flow.target} (confirmed)${copied.length ? `; ${copied.length} copied fence binding(s) removed there` : ''}${hook ? `; hook ${hook} ok` : ''}`,
      checks,
      data: { at: new Date().toISOString() },
    };
  },
};

/** registry (approval; only with `hooks.switchRegistry`): switches the schema registry to the target. */
export const registry: RunStep = {
  id: 'registry',
  optional: true,
  gate: 'approval',
  skip: (_run, ctx) => (ctx.config.hooks.switchRegistry ? undefined : 'no hooks.switchRegistry configured'),
  plan: async (ctx) => {
    const hook = ctx.config.hooks.switchRegistry!;
    return {
      text: `run hook switchRegistry (${hook.command ? hook.command.join(' ') : new URL(hook.webhook!).host})`,
      body: { hook: 'switchRegistry' },
    };
  },
  execute: async (ctx, run, _body, io) => {
    if (!(await io.isDone('registry:hook'))) {
      await io.guard();
      const r = await runHook(ctx.config, 'switchRegistry', {
        run: run.run,
        flow: run.flow,
        step: 'registry',
      });
      if (r && !r.ok) throw hookFailed('switchRegistry', r);
      await io.markDone('registry:hook');
      return { ok: true, result: `schema registry switched (${r?.what})`, checks: [] };
    }
    return { ok: true, result: 'schema registry switched', checks: [] };
  },
};
