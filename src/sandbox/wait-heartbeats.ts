import { ClusterReader } from '../kafka/cluster-reader.js';
import { decodeHeartbeat } from '../mm2/heartbeat-codec.js';
import { type SandboxLayout, sandboxClusterConfig } from './layout.js';
import { waitFor } from './processes.js';

/** Waits until `primary.heartbeats` on dr holds a heartbeat younger than 10 s. */
export async function waitForHeartbeats(layout: SandboxLayout, timeoutMs: number): Promise<void> {
  const reader = new ClusterReader('dr', sandboxClusterConfig(layout, 'dr'));
  try {
    await waitFor(
      'primary.heartbeats on dr',
      timeoutMs,
      async () => {
        if (!(await reader.topicExists('primary.heartbeats'))) return undefined;
        const recs = await reader.tail('primary.heartbeats', 1);
        const newest = Math.max(0, ...recs.map((r) => decodeHeartbeat(r.key, r.value)?.timestamp ?? 0));
        return Date.now() - newest < 10_000 ? true : undefined;
      },
      1000,
    );
  } finally {
    await reader.close();
  }
}
