import type { Config, FlowConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { probeCluster } from '../kafka/probe.js';
import type { ClusterSnapshot } from '../kafka/types.js';
import { type ConnectorState, ConnectRest } from '../mm2/connect-rest.js';
import { readHeartbeatAge } from './heartbeat-age.js';

export interface FlowStatus {
  name: string;
  source: string;
  target: string;
  mode: 'connect' | 'dedicated';
  heartbeatTopic: string;
  heartbeatAgeMs: number | null;
  heartbeatAt: string | null;
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

export function findFlow(config: Config, name: string): FlowConfig {
  const flow = config.flows.find((f) => f.name === name);
  if (!flow) {
    const known = config.flows.map((f) => f.name).join(', ') || '(none configured)';
    throw new KdrError('KDR_UNKNOWN_FLOW', `unknown flow "${name}"`, { hint: `known flows: ${known}` });
  }
  return flow;
}

/** Cluster and replication health. Every probe runs in parallel with a short timeout; nothing here throws for bad news. */
export async function gatherStatus(
  config: Config,
  flowName: string | undefined,
  log: Logger,
  now = () => Date.now(),
): Promise<StatusReport> {
  const flows = flowName ? [findFlow(config, flowName)] : config.flows;
  const clusterNames = flowName
    ? [...new Set(flows.flatMap((f) => [f.source, f.target]))]
    : Object.keys(config.clusters);
  const clusters = await Promise.all(clusterNames.map((n) => probeCluster(n, config.clusters[n]!, log)));
  const reachable = new Map(clusters.map((c) => [c.name, c]));
  const flowStatuses = await Promise.all(flows.map((f) => flowStatus(config, f, reachable, log, now)));
  return { generatedAt: new Date(now()).toISOString(), clusters, flows: flowStatuses };
}

async function flowStatus(
  config: Config,
  flow: FlowConfig,
  clusters: Map<string, ClusterSnapshot>,
  log: Logger,
  now: () => number,
): Promise<FlowStatus> {
  const target = clusters.get(flow.target);
  const [connectors, hb] = await Promise.all([
    connectorStates(config, flow),
    target?.reachable
      ? readHeartbeatAge(flow, config.clusters[flow.target]!, now, log)
      : Promise.resolve({
          topic: '',
          newestAt: null,
          ageMs: null,
          malformed: 0,
          error: `target ${flow.target} is unreachable`,
        }),
  ]);
  const problems: string[] = [];
  if (hb.error) problems.push(hb.error);
  for (const c of connectors) {
    if (c.error) problems.push(c.error);
    else if (c.state !== 'RUNNING') problems.push(`${c.role} connector ${c.name} is ${c.state}`);
    for (const t of c.tasks)
      if (t.state !== 'RUNNING')
        problems.push(`${c.name} task ${t.id} is ${t.state}${t.trace ? `: ${t.trace}` : ''}`);
  }
  return {
    problems: [...new Set(problems)],
    name: flow.name,
    source: flow.source,
    target: flow.target,
    mode: flow.mm2.mode,
    heartbeatTopic: hb.topic || `${flow.source}${flow.replicationPolicy.separator}heartbeats`,
    heartbeatAgeMs: hb.ageMs,
    heartbeatAt: hb.newestAt === null ? null : new Date(hb.newestAt).toISOString(),
    connectors,
  };
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
