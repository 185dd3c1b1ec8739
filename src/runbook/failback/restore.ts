import { ConnectRest } from '../../mm2/connect-rest.js';
import { readHeartbeatAge } from '../../mm2/heartbeat-age.js';
import { replicatedHeartbeatsTopic } from '../../mm2/naming.js';
import { check, dataOf, pollUntil, type RunStep } from '../step.js';
import type { FenceData } from '../steps/fence.js';
import { failoverOf } from './assess.js';
import { connectUrlOf, reverseConnectorNames } from './reverse-flow.js';

const RESTORE_TIMEOUT_MS = 120_000;

/**
 * restore (automatic): forward replication as it was before the failover. The reverse connectors are deleted, the
 * forward ones the failover stopped are resumed (they continue from where they were fenced), and kdr waits for a
 * heartbeat emitted after the resume to reach the target: proof that the flow replicates again. The alerts are
 * unmuted when the run completes.
 */
export const restore: RunStep = {
  id: 'restore',
  gate: 'auto',
  plan: async (ctx, run) => {
    const failover = await failoverOf(ctx, run);
    const stopped = dataOf<FenceData>(failover, 'fence')?.connectors ?? [];
    const rev = Object.values(reverseConnectorNames(ctx.forward));
    return {
      text: `delete ${rev.join(', ')}; resume ${stopped.map((c) => c.name).join(', ') || 'nothing (no forward connector was stopped)'}; wait for a fresh ${replicatedHeartbeatsTopic(ctx.forward)} on ${ctx.forward.target}`,
      body: { delete: rev, resume: stopped.map((c) => c.name) },
    };
  },
  execute: async (ctx, _run, body, io) => {
    const r = new ConnectRest(connectUrlOf(ctx.config, ctx.forward), 5000);
    const del = body.delete as string[];
    const resume = body.resume as string[];
    const t0 = Date.now();
    if (!(await io.isDone('restore:reverse'))) {
      await io.guard();
      for (const n of del) await r.deleteConnector(n);
      await io.markDone('restore:reverse');
    }
    await io.guard();
    for (const n of resume) await r.setConnectorState(n, 'resume');
    const states = async () => Promise.all(resume.map(async (n) => ({ n, s: await r.connectorStatus(n) })));
    const runningNow = await pollUntil(RESTORE_TIMEOUT_MS / 2, 1000, async () =>
      (await states()).every(({ s }) => s.state === 'RUNNING' && s.tasks.every((t) => t.state === 'RUNNING'))
        ? true
        : undefined,
    );
    const target = ctx.config.clusters[ctx.forward.target]!;
    let age: number | null = null;
    const fresh = await pollUntil(RESTORE_TIMEOUT_MS, 1000, async () => {
      age = (await readHeartbeatAge(ctx.forward, target, () => Date.now())).ageMs;
      return age !== null && age < Date.now() - t0 ? true : undefined;
    });
    const now = (await states()).map(({ n, s }) => `${n}: ${s.state}`).join(', ');
    const checks = [
      check('forward connectors running', Boolean(runningNow), now || 'none', 'RUNNING'),
      check(
        `heartbeat emitted after the resume on ${replicatedHeartbeatsTopic(ctx.forward)}`,
        Boolean(fresh),
        age === null ? 'none' : `${Math.round(age / 100) / 10} s old`,
        `younger than the restore (${Math.round((Date.now() - t0) / 1000)} s)`,
      ),
    ];
    return {
      ok: checks.every((c) => c.pass),
      result:
        runningNow && fresh
          ? `forward replication ${ctx.forward.source} → ${ctx.forward.target} runs again (${now}); reverse connectors deleted; fresh heartbeats on ${ctx.forward.target}`
          : `forward replication not verified: ${checks
              .filter((c) => !c.pass)
              .map((c) => `${c.name}: ${c.value}`)
              .join('; ')}; check the connectors, then retry`,
      checks,
      data: { deleted: del, resumed: resume },
    };
  },
};
