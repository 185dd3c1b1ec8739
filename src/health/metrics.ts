import { Gauge, Registry } from 'prom-client';
import type { GroupVerdict } from './group-window.js';
import type { FlowLag } from './lag.js';
import type { FlowStatus } from './status.js';

const LEVELS = { ok: 0, warn: 1, breach: 2, unknown: -1 } as const;
const GROUP_STATUSES = ['OK', 'WARN', 'STALL', 'STOP', 'REWIND', 'NO_HISTORY'] as const;

/** Prometheus figures of the last scheduled check of each flow; label sets that disappear are removed. */
export class HealthMetrics {
  readonly registry = new Registry();
  private readonly seen = new Map<string, Map<Gauge, Array<Record<string, string | number>>>>();

  private g(name: string, help: string, labelNames: string[]): Gauge {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  readonly heartbeatAge = this.g(
    'kdr_heartbeat_age_ms',
    'Age of the newest <source>.heartbeats record on the target',
    ['flow'],
  );
  readonly latency = this.g('kdr_replication_latency_ms', 'Replication latency judged against the RPO', [
    'flow',
  ]);
  readonly rpo = this.g('kdr_rpo_ms', 'The flow RPO', ['flow']);
  readonly verdict = this.g('kdr_flow_verdict', 'RPO verdict: 0 ok, 1 warn, 2 breach, -1 unknown', ['flow']);
  readonly flowLagRecords = this.g('kdr_flow_lag_records', 'Records not yet replicated, all partitions', [
    'flow',
  ]);
  readonly lagRecords = this.g('kdr_replication_lag_records', 'Records not yet replicated per partition', [
    'flow',
    'topic',
    'partition',
  ]);
  readonly lagMs = this.g('kdr_replication_lag_ms', 'Age of the oldest unreplicated record per partition', [
    'flow',
    'topic',
    'partition',
  ]);
  readonly checkpointAge = this.g('kdr_checkpoint_age_ms', 'Age of the newest checkpoint of a group', [
    'flow',
    'group',
  ]);
  readonly checkpointLag = this.g(
    'kdr_checkpoint_lag_records',
    'Committed records no checkpoint reflects yet',
    ['flow', 'group'],
  );
  readonly consumerLag = this.g('kdr_consumer_lag_records', 'Consumer lag of a group on the source', [
    'flow',
    'group',
  ]);
  readonly slack = this.g(
    'kdr_translation_slack_records',
    'Target log end minus translated offset, summed over partitions',
    ['flow', 'group'],
  );
  readonly groupStatus = this.g('kdr_group_status', '1 for the current status of a group', [
    'flow',
    'group',
    'status',
  ]);
  readonly lastCheck = this.g('kdr_last_check_timestamp_seconds', 'When the flow was last checked', ['flow']);

  update(status: FlowStatus, lag: FlowLag | undefined, groups: Map<string, GroupVerdict>, at: number): void {
    const flow = status.name;
    const next = new Map<Gauge, Array<Record<string, string | number>>>();
    const set = (gauge: Gauge, labels: Record<string, string | number>, value: number | null) => {
      if (value === null) return;
      gauge.set(labels, value);
      next.set(gauge, [...(next.get(gauge) ?? []), labels]);
    };
    set(this.heartbeatAge, { flow }, status.heartbeatAgeMs);
    set(this.latency, { flow }, status.replicationLatencyMs);
    set(this.rpo, { flow }, status.rpoMs);
    set(this.verdict, { flow }, LEVELS[status.verdict]);
    set(this.lastCheck, { flow }, Math.floor(at / 1000));
    if (lag) {
      set(this.flowLagRecords, { flow }, lag.totals.lagRecords);
      for (const p of lag.partitions) {
        set(this.lagRecords, { flow, topic: p.topic, partition: p.partition }, p.lagRecords);
        set(this.lagMs, { flow, topic: p.topic, partition: p.partition }, p.lagMs);
      }
      for (const grp of lag.groups) {
        const group = grp.group;
        set(this.checkpointAge, { flow, group }, grp.checkpointAgeMs);
        set(this.checkpointLag, { flow, group }, grp.checkpointLag);
        set(this.consumerLag, { flow, group }, grp.sourceLag);
        const slack = grp.partitions.map((p) => p.slack).filter((x): x is number => x !== null);
        set(this.slack, { flow, group }, slack.length ? slack.reduce((a, b) => a + b, 0) : null);
        const current = groups.get(group)?.status ?? 'NO_HISTORY';
        for (const st of GROUP_STATUSES)
          set(this.groupStatus, { flow, group, status: st }, st === current ? 1 : 0);
      }
    }
    this.dropVanished(flow, next);
  }

  private dropVanished(flow: string, next: Map<Gauge, Array<Record<string, string | number>>>): void {
    const keyOf = (l: Record<string, string | number>) => JSON.stringify(l);
    for (const [gauge, labelSets] of this.seen.get(flow) ?? []) {
      const keep = new Set((next.get(gauge) ?? []).map(keyOf));
      for (const l of labelSets) if (!keep.has(keyOf(l))) gauge.remove(l);
    }
    this.seen.set(flow, next);
  }
}
