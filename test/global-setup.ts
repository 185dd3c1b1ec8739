import { resolve } from 'node:path';
import { sandboxDown } from '../src/sandbox/down.js';
import { sandboxLayout } from '../src/sandbox/layout.js';
import { formatSandboxStatus, sandboxStatus } from '../src/sandbox/status.js';
import { sandboxUp } from '../src/sandbox/up.js';

const root = resolve(import.meta.dirname, '..');

/**
 * Brings up the real sandbox (two Kafka clusters, MM2 on Connect, Redis) once for the whole run. A sandbox
 * that was already running is reused and left running; one started here is stopped at the end
 * (KDR_KEEP_SANDBOX=1 keeps it).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const layout = sandboxLayout(root);
  const say = (l: string) => process.stderr.write(`[sandbox] ${l}\n`);
  const report = await sandboxUp(layout, say);
  const s = sandboxStatus(layout);
  say(
    `ready in ${report.elapsedMs} ms (started: ${report.started.join(', ') || 'nothing'})\n${formatSandboxStatus(s)}`,
  );
  return async () => {
    if (report.started.some((c) => c !== 'redis') && !process.env.KDR_KEEP_SANDBOX)
      await sandboxDown(layout, say);
  };
}
