import type { ClusterConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { withTimeout } from '../core/timeout.js';
import { createKafkaClient } from './client.js';
import { lazyRawCluster } from './raw-cluster.js';
import type { CommittedOffset } from './types.js';

const COORDINATOR_BUSY = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
]);

/** kafkajs wraps a protocol error once its own retries are spent: look through the wrapper for the broker's answer. */
function coordinatorBusy(err: unknown): boolean {
  for (
    let e = err as { type?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 4;
    depth++
  ) {
    if (COORDINATOR_BUSY.has(e.type ?? '')) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * Writes committed offsets of a consumer group that has no members, with one OffsetCommit request to its
 * coordinator (generation -1, no member id: what AdminClient.alterConsumerGroupOffsets does). The broker
 * refuses it for a group with active members, so an active group can never be moved under its consumers.
 * (kafkajs's admin.setOffsets joins the group with a throwaway consumer instead: seconds per group.)
 */
export class GroupOffsetWriter {
  private readonly raw;

  constructor(
    readonly clusterName: string,
    private readonly cfg: ClusterConfig,
    log?: Logger,
  ) {
    this.raw = lazyRawCluster(createKafkaClient(clusterName, cfg, log));
  }

  async commit(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    const deadline = this.cfg.timeouts.connectMs + this.cfg.timeouts.requestMs;
    const work = async () => {
      const coordinator = await (await this.raw.get()).findGroupCoordinator({ groupId });
      const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
      for (const o of offsets)
        byTopic.set(o.topic, [
          ...(byTopic.get(o.topic) ?? []),
          { partition: o.partition, offset: o.offset.toString() },
        ]);
      return coordinator.offsetCommit({
        groupId,
        groupGenerationId: -1,
        memberId: '',
        retentionTime: -1,
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
    };
    // a coordinator that is loading or moving (a broker just restarted: the normal case during a recovery) is
    // asked again until the deadline, not reported as a failure
    const until = Date.now() + deadline;
    const attempt = async (): Promise<Awaited<ReturnType<typeof work>>> => {
      for (;;) {
        try {
          return await work();
        } catch (err) {
          if (!coordinatorBusy(err) || Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 150));
        }
      }
    };
    let res: Awaited<ReturnType<typeof work>>;
    try {
      res = await withTimeout(`committing offsets of ${groupId} on ${this.clusterName}`, deadline, attempt());
    } catch (err) {
      const e = err as { type?: string; message?: string };
      const active =
        e.type === 'UNKNOWN_MEMBER_ID' ||
        e.type === 'ILLEGAL_GENERATION' ||
        e.type === 'REBALANCE_IN_PROGRESS';
      throw new KdrError(
        active ? 'KDR_GROUP_ACTIVE' : 'KDR_OFFSET_COMMIT',
        `cannot commit offsets of group ${groupId} on ${this.clusterName}: ${e.message ?? String(err)}`,
        {
          hint: active
            ? 'the group has active members there; stop its consumers first'
            : 'check the cluster and the group ACLs',
          retriable: !active,
          cause: err,
        },
      );
    }
    const failed = res.responses.flatMap((t) =>
      t.partitions
        .filter((p) => p.errorCode !== 0)
        .map((p) => `${t.topic}-${p.partition} (error ${p.errorCode})`),
    );
    if (failed.length)
      throw new KdrError(
        'KDR_OFFSET_COMMIT',
        `offsets of ${groupId} not committed for ${failed.join(', ')}`,
        { hint: 'check the topics exist and the group ACLs' },
      );
  }

  async close(): Promise<void> {
    await this.raw.close();
  }
}
