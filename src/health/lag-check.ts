import { randomUUID } from 'node:crypto';
import { findFlow } from '../config/find-flow.js';
import type { Config } from '../config/load.js';
import { formatDuration } from '../core/duration.js';
import type { Logger } from '../core/logger.js';
import { probeCluster } from '../kafka/probe.js';
import { type AlertKind, flowAlertKind, groupAlertKind } from './alert-policy.js';
import { evaluateGroup, type GroupSample, type GroupVerdict } from './group-window.js';
import type { Alert, GroupState, HealthStore } from './health-store.js';
import type { FlowLag } from './lag.js';
import type { HealthMetrics } from './metrics.js';
import { assessFlow, type FlowStatus } from './status.js';

export interface CheckDeps {
  config: Config;
  log: Logger;
  store: HealthStore;
  metrics?: HealthMetrics;
  now?: () => number;
}

export interface CheckResult {
  status: FlowStatus;
  lag?: FlowLag;
  groups: Map<string, GroupVerdict>;
  alerts: Alert[];
}

/** One scheduled check of a flow: judge it (with hysteresis), sample its groups, record transitions and alerts. */
export async function runLagCheck(deps: CheckDeps, flowName: string): Promise<CheckResult> {
  const { config, log, store } = deps;
  const now = deps.now ?? (() => Date.now());
  const flow = findFlow(config, flowName);
  const prev = await store.flowState(flow.name);
  const clusters = await Promise.all(
    [flow.source, flow.target].map((n) => probeCluster(n, config.clusters[n]!, log)),
  );
  // the source ends read below hold at least every record acknowledged before this instant: the sight's time
  const readFrom = new Date(now()).toISOString();
  const { status, lag } = await assessFlow(
    config,
    flow,
    new Map(clusters.map((c) => [c.name, c])),
    log,
    now,
    prev?.level,
  );
  const at = new Date(now()).toISOString();
  const alerts: Alert[] = [];
  if (lag?.partitions.length)
    await store.recordSeenEnds(flow.name, {
      at: readFrom,
      ends: Object.fromEntries(lag.partitions.map((p) => [`${p.topic}:${p.partition}`, p.sourceEnd])),
    });

  const flowKind = flowAlertKind(prev?.level, status.verdict);
  if (flowKind) alerts.push(alert(flow.name, flowKind, flow.name, flowAlertText(flowKind, status), at));
  const flowState =
    prev?.level === status.verdict ? undefined : { level: status.verdict, since: at, reason: status.reason };

  const verdicts = new Map<string, GroupVerdict>();
  const changed = new Map<string, GroupState>();
  const previousGroups = await store.groupStates(flow.name);
  for (const g of lag?.groups ?? []) {
    const sample: GroupSample = {
      at: now(),
      members: g.members,
      partitions: Object.fromEntries(
        g.partitions.map((p) => [`${p.topic}:${p.partition}`, [p.sourceCommitted, p.sourceEnd]]),
      ),
    };
    const window = await store.addGroupSample(flow.name, g.group, sample, flow.lagCheck.groupWindow);
    const v = evaluateGroup(window);
    verdicts.set(g.group, v);
    const before = previousGroups.get(g.group)?.status;
    if (before === v.status) continue;
    changed.set(g.group, { status: v.status, since: at, reason: v.reason });
    const kind = flow.lagCheck.alertGroups ? groupAlertKind(before, v.status) : null;
    if (kind) alerts.push(alert(flow.name, kind, g.group, groupAlertText(flow.name, g.group, before, v), at));
  }
  // a run holds the flow (a failover in progress, or done until failback): its stopped connectors and stale
  // heartbeats are expected, so neither the state nor any alert is recorded; the figures still reach the metrics
  const muted = await store.muted(flow.name);
  if (muted) {
    deps.metrics?.update(status, lag, verdicts, now());
    log.info({ flow: flow.name, verdict: status.verdict, mutedBy: muted.run }, 'lag check (alerts muted)');
    return { status, lag, groups: verdicts, alerts: [] };
  }
  await store.commit(flow.name, flowState, changed, alerts);
  deps.metrics?.update(status, lag, verdicts, now());
  log.info(
    { flow: flow.name, verdict: status.verdict, reason: status.reason, alerts: alerts.length },
    'lag check',
  );
  return { status, lag, groups: verdicts, alerts };
}

function alert(flow: string, kind: AlertKind, subject: string, text: string, at: string): Alert {
  return { id: randomUUID(), flow, kind, subject, text, at };
}

const TITLES: Record<string, string> = {
  warn: ':warning: Replication lag warning',
  breach: ':rotating_light: RPO breach',
  unknown: ':grey_question: Replication cannot be measured',
  recovered: ':white_check_mark: Replication recovered',
};

function flowAlertText(kind: AlertKind, s: FlowStatus): string {
  const figures = [
    `latency ${s.replicationLatencyMs === null ? 'unknown' : formatDuration(s.replicationLatencyMs)}`,
    `RPO ${formatDuration(s.rpoMs)}`,
    ...(s.lagRecords === null ? [] : [`${s.lagRecords} records not yet replicated`]),
  ].join(', ');
  const extra = s.problems.length
    ? `\n${s.problems
        .slice(0, 3)
        .map((p) => `• ${p}`)
        .join('\n')}`
    : '';
  return `${TITLES[kind]}: ${s.name} (${s.source} → ${s.target})\n${s.reason}\n${figures}${extra}`;
}

function groupAlertText(flow: string, group: string, before: string | undefined, v: GroupVerdict): string {
  const head =
    v.status === 'OK'
      ? ':white_check_mark: Consumer group recovered'
      : `:warning: Consumer group ${v.status}`;
  return `${head}: ${group} on ${flow} (was ${before ?? 'unknown'})\n${v.reason}`;
}
