import { KdrError } from '../../core/errors.js';
import { ClusterReader } from '../../kafka/cluster-reader.js';
import { ConnectRest } from '../../mm2/connect-rest.js';
import { check, dataOf, pollUntil, type RunStep, type StepContext } from '../step.js';
import type { FailbackAssessData } from './assess.js';
import { connectUrlOf, exactTopics, reverseConnectorConfig, reverseConnectorNames } from './reverse-flow.js';

const RUNNING_TIMEOUT_MS = 60_000;
const RESYNC_TIMEOUT_MS = 300_000;

interface Position {
  topic: string;
  partition: number;
  /** First offset to copy (records before it were on the target before the failover's cutover). */
  from: number;
  end: number;
}

export interface ReverseData {
  connectors: string[];
  positions: Position[];
}

const rest = (ctx: StepContext) => new ConnectRest(connectUrlOf(ctx.config, ctx.forward), 5000);

const running = (s: { state: string; tasks: Array<{ state: string }> }, needsTask: boolean) =>
  s.state === 'RUNNING' && (!needsTask || s.tasks.length > 0) && s.tasks.every((t) => t.state === 'RUNNING');

/** Where the reverse source connector starts on each partition: the first record since the failover's cutover. */
async function positions(ctx: StepContext, a: FailbackAssessData): Promise<Position[]> {
  const topics = [...new Set(Object.keys(a.sourceEnds).map((k) => k.slice(0, k.lastIndexOf(':'))))].sort();
  const reader = new ClusterReader(ctx.flow.source, ctx.config.clusters[ctx.flow.source]!, ctx.log);
  try {
    const out: Position[] = [];
    for (const t of topics)
      for (const p of await reader.offsetsAt(t, Date.parse(a.cutoverAt)))
        out.push({
          topic: t,
          partition: p.partition,
          from: Number(p.offset),
          end: a.sourceEnds[`${t}:${p.partition}`] ?? 0,
        });
    return out;
  } finally {
    await reader.close();
  }
}

/**
 * reverse (approval): creates the reverse MM2 connectors (target → old primary) on the flow's Connect cluster,
 * STOPPED, positions the source connector at the first record each partition took since the failover's cutover
 * (so only what was written on the target goes back; the replicated `<source>.*` topics are never copied back: MM2's
 * cycle check), then starts them. Undo: stops and deletes them.
 */
export const reverse: RunStep = {
  id: 'reverse',
  gate: 'approval',
  plan: async (ctx, run) => {
    const a = dataOf<FailbackAssessData>(run, 'assess')!;
    const names = reverseConnectorNames(ctx.forward);
    const r = rest(ctx);
    const fwd = ctx.forward.mm2.mode === 'connect' ? ctx.forward.mm2.connectors : undefined;
    const forwardSource = fwd ? await r.connectorConfig(fwd.source) : undefined;
    const forwardCheckpoint = fwd?.checkpoint ? await r.connectorConfig(fwd.checkpoint) : undefined;
    const refusals = [];
    if (!forwardSource)
      refusals.push({
        code: 'KDR_FAILBACK_UNSUPPORTED' as const,
        message: `the forward connector ${fwd?.source ?? '?'} is not on ${r.baseUrl}: its config is what the reverse flow is built from`,
        hint: 'create the reverse connectors by hand, or restore the forward connector (stopped) first',
      });
    for (const n of [names.source, names.checkpoint])
      if ((await r.connectorStatus(n)).state !== 'MISSING')
        refusals.push({
          code: 'KDR_FAILBACK_UNSUPPORTED' as const,
          message: `connector ${n} exists already on ${r.baseUrl}`,
          hint: `delete it (\`curl -X DELETE ${r.baseUrl}/connectors/${encodeURIComponent(n)}\`) if it is a leftover, or name others in flows[].failback.connectors`,
        });
    const pos = await positions(ctx, a);
    const copy = pos.reduce((n, p) => n + (p.end - p.from), 0);
    const before = pos.reduce((n, p) => n + p.from, 0);
    // exactly the topics assess chose (a forward pattern like `.*` would also copy Connect's own topics back)
    const topics = {
      topics: exactTopics(pos.map((p) => p.topic).filter((t, i, all) => all.indexOf(t) === i)),
    };
    const configs = {
      source: forwardSource ? { ...reverseConnectorConfig(forwardSource), ...topics } : {},
      ...(forwardCheckpoint ? { checkpoint: reverseConnectorConfig(forwardCheckpoint) } : {}),
    };
    return {
      text: [
        `create ${names.source}${configs.checkpoint ? ` and ${names.checkpoint}` : ''} on ${r.baseUrl} (${ctx.flow.source} → ${ctx.flow.target}), stopped`,
        `position it at the first record since the failover's cutover (${a.cutoverAt}) on ${pos.length} partition(s) of ${new Set(pos.map((p) => p.topic)).size} topic(s): ${copy} record(s) to copy back${before ? `; ${before} older record(s) stay` : ''}`,
        `then start both; the ${ctx.forward.source}.* topics on ${ctx.flow.source} are never copied back (MM2's cycle check)`,
      ].join('\n'),
      body: {
        names,
        configs,
        positions: pos.map(({ topic, partition, from }) => ({ topic, partition, from })),
      },
      refusals,
    };
  },
  execute: async (ctx, _run, body, io) => {
    const names = body.names as { source: string; checkpoint: string };
    const configs = body.configs as { source: Record<string, string>; checkpoint?: Record<string, string> };
    const pos = body.positions as Array<{ topic: string; partition: number; from: number }>;
    const r = rest(ctx);
    const created = [names.source, ...(configs.checkpoint ? [names.checkpoint] : [])];
    if (!(await io.isDone('reverse:create'))) {
      await io.guard();
      await r.createConnector(names.source, configs.source, 'STOPPED');
      if (configs.checkpoint) await r.createConnector(names.checkpoint, configs.checkpoint, 'STOPPED');
      await io.markDone('reverse:create');
    }
    if (!(await io.isDone('reverse:position'))) {
      await pollUntil(30_000, 500, async () =>
        (await r.connectorStatus(names.source)).state === 'STOPPED' ? true : undefined,
      );
      await io.guard();
      // offsets a same-named connector left in Connect's offsets topic must not decide where it starts
      await r.resetOffsets(names.source);
      await r.alterMirrorOffsets(
        names.source,
        configs.source['source.cluster.alias'] ?? ctx.flow.source,
        pos
          .filter((p) => p.from > 0)
          .map((p) => ({ topic: p.topic, partition: p.partition, lastReplicated: p.from - 1 })),
      );
      await io.markDone('reverse:position');
    }
    await io.guard();
    for (const n of created) await r.setConnectorState(n, 'resume');
    const up = await pollUntil(RUNNING_TIMEOUT_MS, 1000, async () => {
      const states = await Promise.all(
        created.map(async (n) => running(await r.connectorStatus(n), n === names.source)),
      );
      return states.every(Boolean) ? true : undefined;
    });
    const states = await Promise.all(created.map(async (n) => `${n}: ${(await r.connectorStatus(n)).state}`));
    return {
      ok: Boolean(up),
      result: up
        ? `${created.join(' and ')} running from the failover's cutover on ${pos.length} partition(s)`
        : `the reverse connectors did not start within ${RUNNING_TIMEOUT_MS / 1000} s (${states.join(', ')}): see the Connect worker's log, then retry or abort`,
      checks: [check('reverse connectors running', Boolean(up), states.join(', '), 'RUNNING')],
      data: { connectors: created, positions: pos } as unknown as Record<string, unknown>,
    };
  },
  undo: async (ctx, _run, rec) => {
    const d = rec.data as unknown as ReverseData | undefined;
    const names = d?.connectors ?? Object.values(reverseConnectorNames(ctx.forward));
    const r = rest(ctx);
    for (const n of names) await r.deleteConnector(n);
    return `deleted ${names.join(', ')} (the ${ctx.flow.source}.* topics they created on ${ctx.flow.target} stay; nothing reads them)`;
  },
};

/**
 * resync (automatic): waits until the reverse flow has copied everything the target held when the wait began (the
 * backlog of the failover period); writes that keep coming are the freeze's and the drain's business.
 */
export const resync: RunStep = {
  id: 'resync',
  gate: 'auto',
  plan: async (ctx) => ({
    text: `wait until the reverse flow copied everything ${ctx.flow.source} held when the wait began and stayed running for ${ctx.forward.failback.settle / 1000} s (at most ${RESYNC_TIMEOUT_MS / 1000} s)`,
    body: {},
  }),
  execute: async (ctx, run) => {
    const a = dataOf<FailbackAssessData>(run, 'assess')!;
    const r = rest(ctx);
    const name = reverseConnectorNames(ctx.forward).source;
    const reader = new ClusterReader(ctx.flow.source, ctx.config.clusters[ctx.flow.source]!, ctx.log);
    let goal: Record<string, number> = {};
    try {
      for (const t of new Set(Object.keys(a.sourceEnds).map((k) => k.slice(0, k.lastIndexOf(':')))))
        for (const e of await reader.ends(t)) goal[`${t}:${e.partition}`] = Number(e.high);
    } finally {
      await reader.close();
    }
    const starts = Object.fromEntries(
      ((dataOf<ReverseData>(run, 'reverse')?.positions ?? []) as Position[]).map((p) => [
        `${p.topic}:${p.partition}`,
        p.from,
      ]),
    );
    // partitions with nothing to copy are done already
    goal = Object.fromEntries(Object.entries(goal).filter(([k, end]) => end > (starts[k] ?? 0)));
    const t0 = Date.now();
    let behind = Number.POSITIVE_INFINITY;
    let caughtUp: number | undefined;
    const settle = ctx.forward.failback.settle;
    let aborted = false;
    const done = await pollUntil(RESYNC_TIMEOUT_MS, 500, async () => {
      // an abort deletes the reverse connectors: stop waiting for them
      const live = await ctx.runs.get(run.run);
      if (live && (live.state === 'aborting' || live.state === 'aborted')) {
        aborted = true;
        return true;
      }
      const at = await r.sourceOffsets(name).catch(() => new Map<string, number>());
      behind = Object.entries(goal).reduce((n, [k, end]) => {
        const last = at.get(k);
        return n + Math.max(0, end - (last === undefined ? (starts[k] ?? 0) : last + 1));
      }, 0);
      // caught up, and the reverse connectors still running for the settle window (a task that failed right after
      // copying the backlog is caught here, not at the freeze)
      if (behind > 0) caughtUp = undefined;
      else caughtUp ??= Date.now();
      if (caughtUp === undefined || Date.now() - caughtUp < settle) return undefined;
      const s = await r.connectorStatus(name);
      return s.state === 'RUNNING' && s.tasks.every((t) => t.state === 'RUNNING') ? true : undefined;
    });
    if (aborted)
      return {
        ok: false,
        result: `stopped waiting: run ${run.run} was aborted`,
        checks: [check('run still going', false, 'aborted', 'running')],
      };
    if (!done && behind === Number.POSITIVE_INFINITY)
      throw new KdrError('KDR_CONNECT_OFFSETS', `no position of ${name} could be read`, {
        hint: 'check the Connect worker',
        retriable: true,
      });
    return {
      ok: Boolean(done),
      result: done
        ? `the reverse flow copied the failover period's backlog (${Object.keys(goal).length} partition(s)) in ${Math.round((Date.now() - t0) / 100) / 10} s`
        : `${behind} record(s) still not copied after ${RESYNC_TIMEOUT_MS / 1000} s: check the reverse connectors (\`kdr status\`), then retry or abort`,
      checks: [check('records of the backlog not copied yet', Boolean(done), behind, 0)],
      data: { goal },
    };
  },
};
