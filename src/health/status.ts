import { findFlow } from '../config/find-flow.js';
import type { Config, FlowConfig } from '../config/load.js';
import { asKdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { probeCluster } from '../kafka/probe.js';
import type { ClusterSnapshot } from '../kafka/types.js';
import { type ConnectorState, ConnectRest } from '../mm2/connect-rest.js';
import { type HeartbeatReading, readHeartbeatAge } from '../mm2/heartbeat-age.js';
import { replicatedHeartbeatsTopic } from '../mm2/naming.js';
import { type FlowLag, flowLag } from './lag.js';
import { judgeFlow, type Level } from './verdict.js';

export interface FlowStatus {
  name: string;
  source: string;
  target: string;
  mode: 'connect' | 'dedicated';
  heartbeatTopic: string;
  heartbeatAgeMs: number | null;
  heartbeatAt: string | null;
  /** Replication latency judged against the RPO: max(heartbeat age, oldest unreplicated record). */
  replicationLatencyMs: number | null;
  /** Age of the flow's newest checkpoint record. */
  checkpointAgeMs: number | null;
  rpoMs: number;
  verdict: Level;
  reason: string;
  lagRecords: number | null;
  groups: Array<{ group: string; checkpointAgeMs: number | null; checkpointLag: number }>;
  connectors: Array<{
    name: string;
    role: string;
    state: string;
    tasks: ConnectorState['tasks'];
    error?: string;
  }>;
  problems: string[];
}

export interface StatusReport {
  generatedAt: string;
  clusters: ClusterSnapshot[];
  flows: FlowStatus[];
}

export interface StatusOptions {
  now?: () => number;
  /** The level each flow had at the previous scheduled check (applies hysteresis). */
  previous?: (flow: string) => Level | undefined;
}

/** Cluster and replication health. Every probe runs in parallel with a short timeout; nothing here throws for bad news. */
export async function gatherStatus(
  config: Config,
  flowName: string | undefined,
  log: Logger,
  opts: StatusOptions = {},
): Promise<StatusReport> {
  const now = opts.now ?? (() => Date.now());
  const flows = flowName ? [findFlow(config, flowName)] : config.flows;
  const clusterNames = flowName
    ? [...new Set(flows.flatMap((f) => [f.source, f.target]))]
    : Object.keys(config.clusters);
  const clusters = await Promise.all(clusterNames.map((n) => probeCluster(n, config.clusters[n]!, log)));
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const assessed = await Promise.all(
    flows.map((f) => assessFlow(config, f, byName, log, now, opts.previous?.(f.name))),
  );
  return { generatedAt: new Date(now()).toISOString(), clusters, flows: assessed.map((a) => a.status) };
}

/** A flow's health and, when both clusters answer, its lag (the scheduled checks use both). */
export async function assessFlow(
  config: Config,
  flow: FlowConfig,
  clusters: Map<string, ClusterSnapshot>,
  log: Logger,
  now: () => number,
  previous: Level | undefined,
): Promise<{ status: FlowStatus; lag?: FlowLag }> {
  const targetUp = clusters.get(flow.target)?.reachable ?? false;
  const sourceUp = clusters.get(flow.source)?.reachable ?? false;
  const heartbeatTopic = replicatedHeartbeatsTopic(flow);
  const unreachable: HeartbeatReading = {
    topic: heartbeatTopic,
    newestAt: null,
    ageMs: null,
    malformed: 0,
    error: `target ${flow.target} is unreachable`,
  };
  const problems: string[] = [];
  const [connectors, hb, lag] = await Promise.all([
    connectorStates(config, flow),
    targetUp ? readHeartbeatAge(flow, config.clusters[flow.target]!, now, log) : Promise.resolve(unreachable),
    sourceUp && targetUp ? lagOrProblem(config, flow, log, now, problems) : Promise.resolve(undefined),
  ]);
  if (hb.error) problems.unshift(hb.error);
  if (!sourceUp)
    problems.push(`source ${flow.source} is unreachable: lag and checkpoint freshness cannot be measured`);
  const connectorProblems = connectorIssues(connectors);
  problems.push(...connectorProblems, ...(lag?.problems ?? []));
  const verdict = judgeFlow(
    {
      rpoMs: flow.rpo,
      warnRatio: flow.lagCheck.warnRatio,
      hysteresis: flow.lagCheck.hysteresis,
      heartbeatAgeMs: hb.ageMs,
      maxLagMs: lag?.totals.maxLagMs ?? null,
      targetReachable: targetUp,
      heartbeatTopic,
      connectorProblems,
    },
    previous,
  );
  const checkpointAges = (lag?.groups ?? [])
    .map((g) => g.checkpointAgeMs)
    .filter((x): x is number => x !== null);
  const status: FlowStatus = {
    name: flow.name,
    source: flow.source,
    target: flow.target,
    mode: flow.mm2.mode,
    heartbeatTopic,
    heartbeatAgeMs: hb.ageMs,
    heartbeatAt: hb.newestAt === null ? null : new Date(hb.newestAt).toISOString(),
    replicationLatencyMs: verdict.latencyMs,
    checkpointAgeMs: checkpointAges.length ? Math.min(...checkpointAges) : null,
    rpoMs: flow.rpo,
    verdict: verdict.verdict,
    reason: verdict.reason,
    lagRecords: lag?.totals.lagRecords ?? null,
    groups: (lag?.groups ?? []).map((g) => ({
      group: g.group,
      checkpointAgeMs: g.checkpointAgeMs,
      checkpointLag: g.checkpointLag,
    })),
    connectors,
    problems: [...new Set(problems)],
  };
  return { status, ...(lag ? { lag } : {}) };
}

async function lagOrProblem(
  config: Config,
  flow: FlowConfig,
  log: Logger,
  now: () => number,
  problems: string[],
): Promise<FlowLag | undefined> {
  try {
    return await flowLag(config, flow, log, { timeLagSamples: 20 }, now);
  } catch (err) {
    problems.push(`lag could not be measured: ${asKdrError(err).message}`);
    return undefined;
  }
}

function connectorIssues(connectors: FlowStatus['connectors']): string[] {
  const out: string[] = [];
  for (const c of connectors) {
    if (c.error) out.push(c.error);
    else if (c.state !== 'RUNNING') out.push(`${c.role} connector ${c.name} is ${c.state}`);
    for (const t of c.tasks)
      if (t.state !== 'RUNNING')
        out.push(`${c.name} task ${t.id} is ${t.state}${t.trace ? `: ${t.trace}` : ''}`);
  }
  return out;
}

async function connectorStates(config: Config, flow: FlowConfig): Promise<FlowStatus['connectors']> {
  if (flow.mm2.mode !== 'connect') return [];
  const url = flow.mm2.url ?? config.clusters[flow.target]!.connect!.url;
  const rest = new ConnectRest(url, config.clusters[flow.target]!.timeouts.connectMs);
  const roles = Object.entries(flow.mm2.connectors).filter(
    (e): e is [string, string] => typeof e[1] === 'string',
  );
  return Promise.all(
    roles.map(async ([role, name]) => {
      try {
        return { role, ...(await rest.connectorStatus(name)) };
      } catch (err) {
        return { role, name, state: 'UNREACHABLE', tasks: [], error: (err as Error).message };
      }
    }),
  );
}
