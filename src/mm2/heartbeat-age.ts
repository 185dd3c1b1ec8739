import type { ClusterConfig, FlowConfig } from '../config/load.js';
import { asKdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ClusterReader } from '../kafka/cluster-reader.js';
import { decodeHeartbeat } from './heartbeat-codec.js';
import { replicatedHeartbeatsTopic } from './naming.js';

export interface HeartbeatReading {
  topic: string;
  newestAt: number | null;
  ageMs: number | null;
  malformed: number;
  error?: string;
}

/**
 * Age of the newest heartbeat in `<source>.heartbeats` on the flow's target: what proves replication works.
 * Reads the last few records of each partition by offset (no consumer group); malformed records are counted,
 * never fatal.
 */
export async function readHeartbeatAge(
  flow: Pick<FlowConfig, 'source' | 'target' | 'replicationPolicy'>,
  target: ClusterConfig,
  now: () => number,
  log?: Logger,
): Promise<HeartbeatReading> {
  const topic = replicatedHeartbeatsTopic(flow);
  const reader = new ClusterReader(flow.target, target, log);
  try {
    if (!(await reader.topicExists(topic))) {
      return {
        topic,
        newestAt: null,
        ageMs: null,
        malformed: 0,
        error: `${topic} does not exist on ${flow.target}: no heartbeat has been replicated yet`,
      };
    }
    let newestAt: number | null = null;
    let malformed = 0;
    for (const rec of await reader.tail(topic, 5)) {
      try {
        const hb = decodeHeartbeat(rec.key, rec.value);
        if (hb && (newestAt === null || hb.timestamp > newestAt)) newestAt = hb.timestamp;
      } catch {
        malformed++;
      }
    }
    return { topic, newestAt, ageMs: newestAt === null ? null : Math.max(0, now() - newestAt), malformed };
  } catch (err) {
    return { topic, newestAt: null, ageMs: null, malformed: 0, error: asKdrError(err).message };
  } finally {
    await reader.close();
  }
}
