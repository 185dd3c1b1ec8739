import type { Config, FlowConfig } from '../config/load.js';
import type { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { wholeName } from '../core/pattern.js';
import { ClusterAdmin } from '../kafka/cluster-admin.js';
import { topicSource } from '../mm2/naming.js';
import { isClusterInternal } from './collect.js';
import { compareFlow, type DriftReport, type DriftSide } from './drift.js';

async function side(admin: ClusterAdmin, keep: (t: string) => boolean): Promise<DriftSide> {
  const topics = await admin.topicDefinitions(keep, true);
  const acls = await admin.acls().catch((err: KdrError) => {
    if (err.code === 'KDR_ACLS_UNAVAILABLE') return { unavailable: err.message };
    throw err;
  });
  return { topics, acls };
}

/** Reads both clusters of a flow (only the topics the flow concerns, every config) and compares them. */
export async function gatherDrift(config: Config, log: Logger, flow: FlowConfig): Promise<DriftReport> {
  const src = new ClusterAdmin(flow.source, config.clusters[flow.source]!, log);
  const tgt = new ClusterAdmin(flow.target, config.clusters[flow.target]!, log);
  const filter = wholeName(flow.topics);
  const p = flow.replicationPolicy;
  try {
    const [a, b] = await Promise.all([
      side(src, (t) => filter.test(t) || t === 'heartbeats'),
      side(
        tgt,
        (t) =>
          !isClusterInternal(t) &&
          (p.type === 'identity' ? filter.test(t) : topicSource(p, t) === flow.source),
      ),
    ]);
    return compareFlow(flow, a, b);
  } finally {
    await Promise.allSettled([src.close(), tgt.close()]);
  }
}
