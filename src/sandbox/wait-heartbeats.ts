import { readHeartbeatAge } from '../mm2/heartbeat-age.js';
import { type SandboxLayout, sandboxClusterConfig } from './layout.js';
import { waitFor } from './processes.js';

/** The sandbox's flow, as far as reading its replicated heartbeats goes. */
const SANDBOX_FLOW = {
  source: 'primary',
  target: 'dr',
  replicationPolicy: { type: 'default', separator: '.', internalTopicSeparator: true },
} as const;

/**
 * Waits until `primary.heartbeats` on dr holds a heartbeat younger than 10 s, or (`sinceMs`) one emitted after that
 * time: proof that the flow replicates again after a heal.
 */
export async function waitForHeartbeats(
  layout: SandboxLayout,
  timeoutMs: number,
  sinceMs?: number,
): Promise<void> {
  const dr = sandboxClusterConfig(layout, 'dr');
  await waitFor(
    'primary.heartbeats on dr',
    timeoutMs,
    async () => {
      const hb = await readHeartbeatAge(SANDBOX_FLOW, dr, () => Date.now());
      const limit = sinceMs === undefined ? 10_000 : Date.now() - sinceMs;
      return hb.ageMs !== null && hb.ageMs < limit ? true : undefined;
    },
    1000,
  );
}
