import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeCluster } from '../../src/kafka/probe.js';
import { javaArgs } from '../../src/sandbox/java.js';
import { sandboxLayout } from '../../src/sandbox/layout.js';
import { pidAlive, spawnDetached, stopPid } from '../../src/sandbox/processes.js';
import { brokerProperties } from '../../src/sandbox/properties.js';
import { eventually, ROOT } from './sandbox.js';
import { freePort } from './slack.js';

const HEAP = ['-Xms32m', '-Xmx256m'];

export interface LoneBroker {
  bootstrap: string;
  pid: number;
  /** SIGKILL: the primary is gone (no clean shutdown, nothing flushed). */
  kill(): Promise<void>;
  /** Stops it (if alive) and removes its data. */
  remove(): Promise<void>;
}

/**
 * A single-node KRaft cluster of a test's own, configured like the sandbox's brokers on free ports: for the
 * destructive scenarios (a primary killed) that must not take the shared sandbox down with them.
 */
export async function startLoneBroker(name: string): Promise<LoneBroker> {
  const layout = sandboxLayout(ROOT);
  const [port, ctrl, sasl] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `kdr-${name}-`));
  const logDir = join(dir, 'data');
  mkdirSync(logDir);
  const props = join(dir, 'server.properties');
  writeFileSync(props, brokerProperties(layout, 'primary', logDir, { port, ctrl, sasl }));
  const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
  const fmt = spawnSync(
    'java',
    javaArgs(layout, `${name}-format`, HEAP, 'kafka.tools.StorageTool', [
      'format',
      '-t',
      clusterId,
      '-c',
      props,
    ]),
    { encoding: 'utf8' },
  );
  if (fmt.status !== 0) throw new Error(`formatting ${name} failed: ${fmt.stderr || fmt.stdout}`);
  const pid = spawnDetached(
    'java',
    javaArgs(layout, name, HEAP, 'kafka.Kafka', [props]),
    join(dir, 'out.log'),
  );
  const bootstrap = `127.0.0.1:${port}`;
  const cfg = {
    bootstrap: [bootstrap],
    ssl: false as const,
    timeouts: { connectMs: 1000, requestMs: 2000, probeMs: 1500 },
  };
  await eventually(`${name} broker`, 90_000, async () =>
    (await probeCluster(name, cfg)).reachable ? true : undefined,
  );
  const kill = async () => {
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    await eventually(`${name} gone`, 10_000, async () => (pidAlive(pid) ? undefined : true));
  };
  return {
    bootstrap,
    pid,
    kill,
    remove: async () => {
      await stopPid(pid, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
