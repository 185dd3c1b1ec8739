import type { ClusterConfig } from '../config/load.js';
import { asKdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { withTimeout } from '../core/timeout.js';
import { createKafkaClient } from './client.js';
import type { ClusterSnapshot } from './types.js';

/**
 * Probes one cluster: brokers, controller, topic/partition counts, under-replicated and offline partitions.
 * Never throws: an unreachable cluster is a result (the normal case during a disaster), answered within
 * `timeouts.probeMs` whatever the network does.
 */
export async function probeCluster(name: string, cfg: ClusterConfig, log?: Logger): Promise<ClusterSnapshot> {
  const started = Date.now();
  const admin = createKafkaClient(name, cfg, log).admin();
  const deadline = cfg.timeouts.probeMs;
  try {
    const snap = await withTimeout(
      `cluster ${name} (${cfg.bootstrap.join(', ')})`,
      deadline,
      readSnapshot(admin),
    );
    return { name, reachable: true, ...snap, elapsedMs: Date.now() - started };
  } catch (err) {
    const e = asKdrError(err, 'KDR_CLUSTER_UNREACHABLE');
    return {
      name,
      reachable: false,
      brokers: 0,
      controller: null,
      topics: 0,
      partitions: 0,
      underReplicated: 0,
      offline: 0,
      error: `cannot reach ${cfg.bootstrap.join(', ')}: ${e.message}`,
      hint: 'check that the brokers are up and reachable from kdr (network, DNS, TLS/SASL settings)',
      elapsedMs: Date.now() - started,
    };
  } finally {
    admin.disconnect().catch(() => undefined);
  }
}

type Admin = ReturnType<ReturnType<typeof createKafkaClient>['admin']>;

async function readSnapshot(admin: Admin) {
  await admin.connect();
  const cluster = await admin.describeCluster();
  const { topics } = await admin.fetchTopicMetadata();
  const liveBrokers = new Set(cluster.brokers.map((b) => b.nodeId));
  let partitions = 0;
  let underReplicated = 0;
  let offline = 0;
  for (const t of topics) {
    for (const p of t.partitions) {
      partitions++;
      if (p.leader < 0 || !liveBrokers.has(p.leader)) offline++;
      else if (p.isr.length < p.replicas.length) underReplicated++;
    }
  }
  return {
    clusterId: cluster.clusterId,
    brokers: cluster.brokers.length,
    controller: cluster.controller,
    topics: topics.length,
    partitions,
    underReplicated,
    offline,
  };
}
