import { ClusterReader } from '../kafka/cluster-reader.js';
import { decodeHeartbeat } from '../mm2/heartbeat-codec.js';
import { bootstrapOf, type SandboxLayout } from './layout.js';
import { waitFor } from './processes.js';

/** Waits until `primary.heartbeats` on dr holds a heartbeat younger than 10 s. */
export async function waitForHeartbeats(layout: SandboxLayout, timeoutMs: number): Promise<void> {
  const reader = new ClusterReader('dr', {
    bootstrap: [bootstrapOf(layout, 'dr')],
    ssl: false,
    timeouts: { connectMs: 3000, requestMs: 5000, probeMs: 3000 },
  });
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
