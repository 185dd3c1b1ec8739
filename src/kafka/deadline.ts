import type { ClusterConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import { withTimeout } from '../core/timeout.js';

/**
 * Runs `work` within the cluster's deadline (connect + request timeout, or `ms`). Retriable Kafka errors (a leader
 * moving, a partition just created, a coordinator loading) are retried twice after `refresh`, as kafkajs's own
 * consumer does; what still fails is reported as a coded error naming the cluster and the operation.
 */
export async function withKafkaDeadline<T>(
  clusterName: string,
  cfg: ClusterConfig,
  what: string,
  work: () => Promise<T>,
  opts: { refresh?: () => Promise<unknown>; ms?: number } = {},
): Promise<T> {
  const label = `${what} on cluster ${clusterName}`;
  const attempt = async () => {
    for (let i = 0; ; i++) {
      try {
        return await work();
      } catch (err) {
        if (i >= 2 || !(err as { retriable?: boolean }).retriable) throw err;
        await new Promise((r) => setTimeout(r, 200 * (i + 1)));
        await opts.refresh?.().catch(() => undefined);
      }
    }
  };
  try {
    return await withTimeout(label, opts.ms ?? cfg.timeouts.connectMs + cfg.timeouts.requestMs, attempt());
  } catch (err) {
    if (err instanceof KdrError) throw err;
    const e = err as { message?: string; retriable?: boolean; type?: string };
    throw new KdrError(
      'KDR_KAFKA',
      `${label} failed: ${e.message ?? String(err)}${e.type ? ` (${e.type})` : ''}`,
      {
        hint: e.retriable
          ? 'a transient Kafka condition (leader election, new partition); retry shortly'
          : "check the cluster, the topic and kdr's ACLs",
        retriable: Boolean(e.retriable),
        cause: err,
      },
    );
  }
}
