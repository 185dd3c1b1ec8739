import { assessFlow } from '../../health/status.js';
import { probeCluster } from '../../kafka/probe.js';
import { gatherTranslation } from '../../translate/gather.js';
import { check, type RunStep } from '../step.js';
import { estimateLoss, type LossEstimate, lossText } from '../unplanned-loss.js';

export interface AssessData {
  groups: string[];
  heartbeatAgeMs: number | null;
  lagRecords: number | null;
  sourceReachable: boolean;
  /** Replicated position per source partition at assess time (`topic:partition` → offset), for unplanned loss. */
  replicated: Record<string, number>;
  sourceEnds: Record<string, number>;
  /** Unplanned, with the source unreachable: what is lost, counted without it. */
  loss?: LossEstimate;
}

/**
 * assess (automatic, read-only): both clusters probed with short timeouts, MM2's own view (heartbeats on the target,
 * connector states), per-partition lag, the groups and whether they are empty on the target. Unplanned: if kdr
 * cannot reach the source while MM2 still can, kdr is the one partitioned, and the run stops with that reason.
 */
export const assess: RunStep = {
  id: 'assess',
  gate: 'auto',
  plan: async (_ctx, run) => ({
    text: `probe ${run.flow}'s clusters, read MM2's heartbeats, connectors and lag, and the groups on the target`,
    body: { run: run.run },
  }),
  execute: async (ctx, run) => {
    const { config, flow, log } = ctx;
    const now = () => Date.now();
    const [src, tgt] = await Promise.all([
      probeCluster(flow.source, config.clusters[flow.source]!, log),
      probeCluster(flow.target, config.clusters[flow.target]!, log),
    ]);
    const clusters = new Map([
      [src.name, src],
      [tgt.name, tgt],
    ]);
    const { status, lag } = await assessFlow(config, flow, clusters, log, now, undefined);
    const planned = run.mode === 'planned';
    const fresh = status.heartbeatAgeMs !== null && status.heartbeatAgeMs <= flow.rpo;
    const sourceTask = status.connectors.find((c) => c.role === 'source');
    // dedicated MM2 has no connectors kdr can ask: its heartbeats are the evidence that it runs
    const dedicated = flow.mm2.mode !== 'connect';
    const running =
      dedicated || (status.connectors.length > 0 && status.connectors.every((c) => c.state === 'RUNNING'));
    const report = tgt.reachable
      ? await gatherTranslation(config, log, {
          flow,
          groups: run.groups,
          all: run.groups.length === 0,
          from: 'auto',
          failback: false,
          ...(ctx.ports.checkpointIndex ? { index: ctx.ports.checkpointIndex } : {}),
        })
      : undefined;
    const active = (report?.groups ?? []).filter((g) => g.toMembers > 0).map((g) => g.group);
    const checks = [
      check(`${flow.target} reachable`, tgt.reachable, tgt.reachable ? 'yes' : (tgt.error ?? 'no'), 'yes'),
      check(
        `${flow.source} reachable`,
        planned ? src.reachable : true,
        src.reachable ? 'yes' : (src.error ?? 'no'),
        planned ? 'yes' : null,
      ),
      check('MM2 heartbeat age (ms)', planned ? fresh : true, status.heartbeatAgeMs, flow.rpo),
      check(
        'MM2 connectors running',
        planned ? running : true,
        dedicated
          ? 'dedicated MM2: judged by its heartbeats'
          : status.connectors.map((c) => `${c.role}:${c.state}`).join(', ') || 'none',
        'RUNNING',
      ),
      check(
        'groups empty on the target',
        active.length === 0,
        active.join(', ') || 'all empty',
        'no members',
      ),
    ];
    const partitioned = !planned && !src.reachable && fresh && (dedicated || sourceTask?.state === 'RUNNING');
    if (partitioned)
      checks.push(
        check(
          'primary really down (MM2 cannot reach it either)',
          false,
          `heartbeat ${Math.round((status.heartbeatAgeMs ?? 0) / 1000)} s old, source task RUNNING`,
          `older than the RPO`,
        ),
      );
    const loss = !planned && !src.reachable && !partitioned ? await estimateLoss(ctx) : undefined;
    const data = {
      ...(loss ? { loss } : {}),
      groups: (report?.groups ?? []).map((g) => g.group),
      heartbeatAgeMs: status.heartbeatAgeMs,
      lagRecords: status.lagRecords,
      sourceReachable: src.reachable,
      replicated:
        loss?.records != null
          ? loss.replicated
          : Object.fromEntries(
              (lag?.partitions ?? []).map((p) => [`${p.topic}:${p.partition}`, p.replicatedUpTo]),
            ),
      sourceEnds:
        loss?.records != null
          ? loss.seenEnds
          : Object.fromEntries(
              (lag?.partitions ?? []).map((p) => [`${p.topic}:${p.partition}`, p.sourceEnd]),
            ),
    } satisfies AssessData;
    const failed = checks.filter((c) => !c.pass);
    return {
      ok: failed.length === 0,
      result: partitioned
        ? `kdr cannot reach ${flow.source} but MM2 can (fresh heartbeats on ${flow.target}): kdr is partitioned, not the primary. Unplanned failover refused; abort this run and open a planned one`
        : failed.length
          ? `not ready: ${failed.map((c) => `${c.name}: ${c.value}`).join('; ')}`
          : loss
            ? `${flow.source} does not answer (nor does MM2 see it: heartbeat ${status.heartbeatAgeMs === null ? 'none' : `${Math.round(status.heartbeatAgeMs / 1000)} s old`}); ${lossText(loss, flow.source)}; ${data.groups.length} group(s), all empty on ${flow.target}`
            : `${flow.source} and ${flow.target} answer; heartbeat ${Math.round((status.heartbeatAgeMs ?? 0) / 1000)} s old; lag ${status.lagRecords ?? '?'} record(s); ${data.groups.length} group(s), all empty on ${flow.target}`,
      checks,
      data,
    };
  },
};
