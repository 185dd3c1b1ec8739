import { readHeartbeatAge } from '../mm2/heartbeat-age.js';
import { type SandboxLayout, sandboxClusterConfig } from './layout.js';
import { waitFor } from './processes.js';

/** The sandbox's flow, as far as reading its replicated heartbeats goes. */
const SANDBOX_FLOW = {
  source: 'primary',
  target: 'dr',
  replicationPolicy: { type: 'default', separator: '.', internalTopicSeparator: true },
} as const;

/** Waits until `primary.heartbeats` on dr holds a heartbeat younger than 10 s. */
export async function waitForHeartbeats(layout: SandboxLayout, timeoutMs: number): Promise<void> {
  const dr = sandboxClusterConfig(layout, 'dr');
  await waitFor(
    'primary.heartbeats on dr',
    timeoutMs,
    async () => {
      const hb = await readHeartbeatAge(SANDBOX_FLOW, dr, () => Date.now());
      return hb.ageMs !== null && hb.ageMs < 10_000 ? true : undefined;
    },
    1000,
  );
}
