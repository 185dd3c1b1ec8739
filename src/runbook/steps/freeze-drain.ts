import type { FlowConfig } from '../../config/load.js';
import { KdrError } from '../../core/errors.js';
import { flowLag } from '../../health/lag.js';
import type { AclBinding } from '../../kafka/metadata-types.js';
import { hookFailed, runHook } from '../hooks.js';
import { check, dataOf, endOffsets, pollUntil, type RunStep, type StepContext } from '../step.js';
import { lossText } from '../unplanned-loss.js';
import type { AssessData } from './assess.js';
import { type AclFenceData, applyFreezeAcl, planFreezeAcl, removeFreezeAcl } from './freeze-acl.js';

/** Writes stop when no source end moves for this long; give up (and ask a person) after the timeout. */
const STABLE_MS = 4000;
const FREEZE_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 120_000;

export interface FreezeData {
  /** Source end offset per mirrored partition when writes stopped (`topic:partition`). */
  frozenEnds: Record<string, number>;
  frozenAt: string;
  hook?: { what: string; ok: boolean; output: string };
  aclFence?: AclFenceData;
}

/** Every mirrored source partition's end offset now. */
export async function sourceEnds(ctx: StepContext, flow: FlowConfig, keys: string[]) {
  return endOffsets(ctx, flow.source, [...new Set(keys.map((k) => k.slice(0, k.lastIndexOf(':'))))]);
}

/**
 * freeze (approval; planned only): stops writes to the mirrored topics (the `stopProducers` hook when configured,
 * else the announcement in the plan), then waits until no source partition's end offset moves for a few seconds and
 * records those ends: what the drain waits for and what the split-brain watch compares with.
 */
export const freeze: RunStep = {
  id: 'freeze',
  gate: 'approval',
  skip: (run) =>
    run.mode === 'unplanned' ? 'unplanned: the primary is gone, there are no writes to stop' : undefined,
  plan: async (ctx, run) => {
    const parts = Object.keys(dataOf<AssessData>(run, 'assess')?.sourceEnds ?? {}).sort();
    const topics = [...new Set(parts.map((k) => k.slice(0, k.lastIndexOf(':'))))];
    const hook = ctx.config.hooks.stopProducers;
    const acl = run.mode === 'planned' ? await planFreezeAcl(ctx, topics) : undefined;
    const principals = ctx.flow.freeze.denyWrite;
    return {
      text: [
        ...(acl
          ? [
              `ACL fence on ${ctx.flow.source}: DENY WRITE for ${principals.join(', ')} on ${topics.length} mirrored topic(s) (${acl.bindings.length} binding(s); abort removes the ones kdr creates)`,
              ...acl.notes.map((n) => `  ${n}`),
            ]
          : []),
        hook
          ? `run hook stopProducers (${hook.command ? `command ${hook.command.join(' ')}` : `webhook ${new URL(hook.webhook!).host}`})`
          : acl
            ? 'producers that are not named above: stop them by hand now'
            : 'no stopProducers hook or ACL fence is configured: stop the producers of the mirrored topics by hand now',
        `then wait until the end offsets of ${parts.length} mirrored partition(s) on ${ctx.flow.source} are stable for ${STABLE_MS / 1000} s (at most ${FREEZE_TIMEOUT_MS / 1000} s)`,
      ].join('\n'),
      body: { partitions: parts, hook: hook ?? null, acls: acl?.bindings ?? [] },
      ...(acl?.refusals.length ? { refusals: acl.refusals } : {}),
    };
  },
  execute: async (ctx, run, body, io) => {
    const parts = body.partitions as string[];
    let hook: FreezeData['hook'];
    const bindings = (body.acls ?? []) as AclBinding[];
    const acl = bindings.length ? await applyFreezeAcl(ctx, run, bindings, io) : undefined;
    const fenced = acl ? { aclFence: acl.data } : {};
    if (ctx.config.hooks.stopProducers && !(await io.isDone('freeze:hook'))) {
      await io.guard();
      const r = await runHook(ctx.config, 'stopProducers', { run: run.run, flow: run.flow, step: 'freeze' });
      if (r) {
        hook = { what: r.what, ok: r.ok, output: r.output };
        if (!r.ok) throw hookFailed('stopProducers', r);
      }
      await io.markDone('freeze:hook');
    }
    let last = await sourceEnds(ctx, ctx.flow, parts);
    let stableSince = Date.now();
    const frozen = await pollUntil(FREEZE_TIMEOUT_MS, 500, async () => {
      const now = await sourceEnds(ctx, ctx.flow, parts);
      if (JSON.stringify(now) !== JSON.stringify(last)) {
        last = now;
        stableSince = Date.now();
        return undefined;
      }
      return Date.now() - stableSince >= STABLE_MS ? now : undefined;
    });
    const checks = [
      ...(acl?.checks ?? []),
      check('source ends stable (ms)', frozen !== undefined, Date.now() - stableSince, STABLE_MS),
    ];
    if (acl && !acl.checks.every((c) => c.pass))
      return {
        ok: false,
        result: `the ACL fence is not complete on ${ctx.flow.source}: retry the step, or abort`,
        checks,
        data: { ...fenced, ...(hook ? { hook } : {}) },
      };
    if (!frozen)
      return {
        ok: false,
        result: `writes did not stop: source end offsets still moved after ${FREEZE_TIMEOUT_MS / 1000} s. Stop the producers, then retry the step, or abort`,
        checks,
        data: { ...fenced, ...(hook ? { hook } : {}) },
      };
    const total = Object.values(frozen).reduce((a, b) => a + b, 0);
    return {
      ok: true,
      result: `writes stopped: ${parts.length} partition(s) stable for ${STABLE_MS / 1000} s (${total} record(s) in all)${acl ? `; ${bindings.length} DENY WRITE ACL(s) in place` : ''}${hook ? `; hook ${hook.what} ok` : ''}`,
      checks,
      data: {
        frozenEnds: frozen,
        frozenAt: new Date().toISOString(),
        ...fenced,
        ...(hook ? { hook } : {}),
      } satisfies FreezeData,
    };
  },
  undo: async (ctx, run, rec) => {
    const acl = await removeFreezeAcl(ctx, rec);
    const r = await runHook(ctx.config, 'resumeProducers', { run: run.run, flow: run.flow, step: 'freeze' });
    const hook = r
      ? `hook resumeProducers (${r.what}): ${r.ok ? 'ok' : `failed: ${r.output}`}`
      : 'writes may resume (no resumeProducers hook configured)';
    return acl ? `${acl}; ${hook}` : hook;
  },
};

export interface DrainData {
  replicated: Record<string, number>;
  /** Records not replicated (unplanned: a lower bound; null when it could not be counted). */
  lagRecords: number | null;
}

/**
 * drain (automatic): waits until MM2 has replicated every mirrored partition up to its frozen end (Connect's source
 * offsets, which already show it when the data is there). Unplanned: nothing can drain; the loss is computed from
 * the last observation instead.
 */
export const drain: RunStep = {
  id: 'drain',
  gate: 'auto',
  plan: async (_ctx, run) => ({
    text:
      run.mode === 'planned'
        ? `wait until MM2 replicated every mirrored partition up to its frozen end (at most ${DRAIN_TIMEOUT_MS / 1000} s)`
        : 'the primary is gone: compute the records not replicated at the last observation',
    body: { run: run.run },
  }),
  execute: async (ctx, run) => {
    if (run.mode === 'unplanned') {
      const a = dataOf<AssessData>(run, 'assess');
      const lost = a?.loss ? a.loss.records : (a?.lagRecords ?? null);
      return {
        ok: true,
        result: a?.loss
          ? lossText(a.loss, ctx.flow.source)
          : lost === null
            ? 'loss unknown: the primary could not be read at assess'
            : `${lost} record(s) were not replicated at the last observation`,
        checks: [check('records not replicated (last observation)', true, lost, null)],
        data: { replicated: a?.replicated ?? {}, lagRecords: lost } satisfies DrainData,
      };
    }
    const frozen = dataOf<FreezeData>(run, 'freeze')?.frozenEnds;
    if (!frozen)
      throw new KdrError('KDR_RUN_STATE', 'drain needs the frozen ends of the freeze step', {
        hint: 'abort and open a new run',
      });
    let behind = Number.POSITIVE_INFINITY;
    let replicated: Record<string, number> = {};
    const drained = await pollUntil(DRAIN_TIMEOUT_MS, 1000, async () => {
      const lag = await flowLag(ctx.config, ctx.flow, ctx.log, { timeLagSamples: 0 }, () => Date.now());
      replicated = Object.fromEntries(
        lag.partitions.map((p) => [`${p.topic}:${p.partition}`, p.replicatedUpTo]),
      );
      behind = Object.entries(frozen).reduce((n, [k, end]) => n + Math.max(0, end - (replicated[k] ?? 0)), 0);
      return behind === 0 ? true : undefined;
    });
    return {
      ok: Boolean(drained),
      result: drained
        ? `replicated up to the frozen ends on every partition: lag 0`
        : `${behind} record(s) still not replicated after ${DRAIN_TIMEOUT_MS / 1000} s: check MM2 (\`kdr lag\`), then retry the step, or abort`,
      checks: [check('records behind the frozen ends', behind === 0, behind, 0)],
      data: { replicated, lagRecords: behind } satisfies DrainData,
    };
  },
};
