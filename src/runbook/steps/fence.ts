import { KdrError } from '../../core/errors.js';
import { ConnectRest } from '../../mm2/connect-rest.js';
import { remoteTopic } from '../../mm2/naming.js';
import { hookFailed, runHook } from '../hooks.js';
import { check, dataOf, endOffsets, pollUntil, type RunStep, type StepContext } from '../step.js';
import { lossText } from '../unplanned-loss.js';
import type { AssessData } from './assess.js';

const STOPPED_TIMEOUT_MS = 30_000;
/** Unplanned (the primary gone): how long to wait for Connect to report STOPPED before the data decides. */
const UNPLANNED_STOPPED_MS = 10_000;
const STILL_MS = 3000;

export interface FenceData {
  /** Connectors kdr stopped (or paused), for undo. */
  connectors: Array<{ name: string; how: 'stop' | 'pause' }>;
  hook?: string;
  targetEnds: Record<string, number>;
}

function rest(ctx: StepContext): ConnectRest | undefined {
  const { flow, config } = ctx;
  if (flow.mm2.mode !== 'connect') return undefined;
  return new ConnectRest(flow.mm2.url ?? config.clusters[flow.target]!.connect!.url, 5000);
}

/** The connectors that write into the target: the source connector and the checkpoint connector. */
function fencedConnectors(ctx: StepContext): string[] {
  const m = ctx.flow.mm2;
  if (m.mode !== 'connect') return [];
  return [m.connectors.source, m.connectors.checkpoint].filter((x): x is string => typeof x === 'string');
}

const targetEnds = (ctx: StepContext, topics: string[]) => endOffsets(ctx, ctx.flow.target, topics);

/**
 * fence (approval): the split-brain guard. Stops MM2's replication into the target (Connect REST `stop`, `pause`
 * where stop is unsupported; dedicated MM2: the configured stop hook) and verifies it by the data: the target end
 * offsets of the mirrored topics no longer move. Nothing later runs until this is verified.
 */
export const fence: RunStep = {
  id: 'fence',
  gate: 'approval',
  plan: async (ctx, run) => {
    const names = fencedConnectors(ctx);
    const keys = Object.keys(dataOf<AssessData>(run, 'assess')?.sourceEnds ?? {});
    const topics = [
      ...new Set(keys.map((k) => remoteTopic(ctx.flow, k.slice(0, k.lastIndexOf(':'))))),
    ].sort();
    const m = ctx.flow.mm2;
    const loss = dataOf<AssessData>(run, 'assess')?.loss;
    return {
      text: [
        m.mode === 'connect'
          ? `stop MM2 connector(s) ${names.join(', ')} on ${rest(ctx)!.baseUrl} (PUT /connectors/<name>/stop; pause if stop is unsupported), wait until stopped`
          : `run the dedicated MM2 stop hook (${m.stop.command ? m.stop.command.join(' ') : new URL(m.stop.webhook!).host})`,
        `then verify by the data: end offsets of ${topics.length} mirrored topic(s) on ${ctx.flow.target} unchanged for ${STILL_MS / 1000} s`,
        ...(run.mode === 'unplanned'
          ? [
              `unplanned: ${loss ? lossText(loss, ctx.flow.source) : 'loss unknown: the primary was not read at assess'}`,
            ]
          : []),
      ].join('\n'),
      body: { connectors: names, topics },
    };
  },
  execute: async (ctx, run, body, io) => {
    const names = body.connectors as string[];
    const topics = body.topics as string[];
    const stopped: FenceData['connectors'] = [];
    const checks = [];
    const api = rest(ctx);
    let hook: string | undefined;
    if (api) {
      for (const name of names) {
        const part = `fence:${name}`;
        if (!(await io.isDone(part))) {
          await io.guard();
          let how: 'stop' | 'pause' = 'stop';
          try {
            await api.setConnectorState(name, 'stop');
          } catch (err) {
            if (!(err instanceof KdrError) || err.code !== 'KDR_CONNECT_REJECTED' || /404/.test(err.message))
              throw err;
            how = 'pause';
            await api.setConnectorState(name, 'pause');
          }
          await io.markDone(part);
          stopped.push({ name, how });
        } else stopped.push({ name, how: 'stop' });
        let last = 'unknown';
        const unplanned = run.mode === 'unplanned';
        const state = await pollUntil(
          unplanned ? UNPLANNED_STOPPED_MS : STOPPED_TIMEOUT_MS,
          500,
          async () => {
            const s = await api.connectorStatus(name);
            last = s.state;
            return s.state === 'STOPPED' || s.state === 'PAUSED' ? s.state : undefined;
          },
        );
        // Unplanned: Connect's stop of a connector waits on its clients, which retry the dead primary for a
        // minute or more; the stop is recorded (the connector never restarts) and the data check below decides
        checks.push(
          unplanned && !state
            ? check(
                `${name} stop accepted`,
                true,
                `stop accepted; Connect still reports ${last} (its clients wait on the unreachable ${ctx.flow.source})`,
                'STOPPED or stop accepted',
              )
            : check(`${name} stopped`, Boolean(state), state ?? `still ${last}`, 'STOPPED'),
        );
      }
    } else if (ctx.flow.mm2.mode === 'dedicated' && !(await io.isDone('fence:hook'))) {
      await io.guard();
      const r = await runHook({ ...ctx.config, hooks: { stop: ctx.flow.mm2.stop } }, 'stop', {
        run: run.run,
        flow: run.flow,
        step: 'fence',
      });
      if (r && !r.ok) throw hookFailed('mm2.stop', r);
      hook = r?.what;
      await io.markDone('fence:hook');
    }
    // verified by the data: nothing arrives on the target any more
    const first = await targetEnds(ctx, topics);
    await new Promise((r) => setTimeout(r, STILL_MS));
    const second = await targetEnds(ctx, topics);
    const moved = Object.keys(second).filter((k) => second[k] !== first[k]);
    checks.push(
      check(
        'target end offsets still',
        moved.length === 0,
        moved.length
          ? `moved: ${moved.slice(0, 3).join(', ')}`
          : `${Object.keys(second).length} partition(s) still`,
        `${STILL_MS / 1000} s`,
      ),
    );
    const ok = checks.every((c) => c.pass);
    return {
      ok,
      result: ok
        ? `replication into ${ctx.flow.target} is fenced: ${stopped.map((s) => `${s.name} ${s.how === 'stop' ? 'stopped' : 'paused'}`).join(', ') || hook}; target ends did not move for ${STILL_MS / 1000} s`
        : `replication is not fenced: ${checks
            .filter((c) => !c.pass)
            .map((c) => `${c.name}: ${c.value}`)
            .join('; ')}. Retry the step or abort`,
      checks,
      data: { connectors: stopped, ...(hook ? { hook } : {}), targetEnds: second } satisfies FenceData,
    };
  },
  undo: async (ctx, run, rec) => {
    const api = rest(ctx);
    const d = rec.data as FenceData | undefined;
    const m = ctx.flow.mm2;
    if (m.mode === 'dedicated') {
      if (!m.start)
        return 'dedicated MM2 was stopped by its stop command and no mm2.start is configured: start it by hand';
      const r = await runHook({ ...ctx.config, hooks: { start: m.start } }, 'start', {
        run: run.run,
        flow: run.flow,
        step: 'fence',
      });
      if (r && !r.ok) throw hookFailed('mm2.start', r);
      return `dedicated MM2 started (${r?.what ?? 'start hook'})`;
    }
    if (!api || !d) return 'nothing to resume';
    for (const c of d.connectors) await api.setConnectorState(c.name, 'resume');
    return `resumed ${d.connectors.map((c) => c.name).join(', ')}`;
  },
};
