import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KdrError } from '../core/errors.js';
import { probeCluster } from '../kafka/probe.js';
import { ConnectRest } from '../mm2/connect-rest.js';
import { sandboxConnectorConfigs } from './connectors.js';
import { ensureJars } from './jars.js';
import { BROKER_HEAP, CONNECT_HEAP, javaArgs } from './java.js';
import { bootstrapOf, type SandboxLayout, sandboxClusterConfig } from './layout.js';
import { pidAlive, portOpen, spawnDetached, waitFor } from './processes.js';
import { brokerProperties, connectWorkerProperties } from './properties.js';
import { ensureRedis } from './redis.js';
import { type Component, readState, type SandboxState, writeState } from './state.js';
import { waitForHeartbeats } from './wait-heartbeats.js';

export interface UpReport {
  elapsedMs: number;
  started: Component[];
  reused: Component[];
}

/** Brings the whole sandbox up, idempotently: components already running (by recorded PID) are kept. */
export async function sandboxUp(layout: SandboxLayout, say: (line: string) => void): Promise<UpReport> {
  const t0 = Date.now();
  for (const d of ['config', 'logs']) mkdirSync(join(layout.stateDir, d), { recursive: true });
  ensureJars(layout, say);
  const state = readState(layout);
  if (
    state.kafkaVersion !== layout.kafkaVersion &&
    Object.values(state.processes).some((p) => pidAlive(p?.pid))
  ) {
    throw new KdrError(
      'KDR_SANDBOX_VERSION',
      `the running sandbox is Kafka ${state.kafkaVersion}, not ${layout.kafkaVersion}`,
      {
        hint: 'run `kdr sandbox down` first to switch versions',
      },
    );
  }
  state.kafkaVersion = layout.kafkaVersion;
  state.dataDir = layout.dataDir;
  const started: Component[] = [];
  const reused: Component[] = [];

  await Promise.all(
    (['primary', 'dr'] as const).map(async (c) => {
      if (await startBrokerIfNeeded(layout, state, c)) started.push(c);
      else reused.push(c);
    }),
  );
  writeState(layout, state);
  say('waiting for brokers...');
  await Promise.all((['primary', 'dr'] as const).map((c) => waitForBroker(layout, c)));

  if (pidAlive(state.processes.connect?.pid)) reused.push('connect');
  else {
    await assertPortFree(layout.ports.connect, 'Connect REST');
    state.processes.connect = startJava(
      layout,
      'connect',
      CONNECT_HEAP,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      [writeConfig(layout, 'connect.properties', connectWorkerProperties(layout))],
      `http://127.0.0.1:${layout.ports.connect}`,
    );
    started.push('connect');
    writeState(layout, state);
  }
  say('waiting for the Connect worker and MirrorMaker 2 connectors...');
  const rest = new ConnectRest(`http://127.0.0.1:${layout.ports.connect}`, 5000);
  await waitFor(
    'Connect REST',
    120_000,
    async () => ((await rest.listConnectors()) ? true : undefined),
    1000,
  );
  for (const [name, config] of Object.entries(sandboxConnectorConfigs(layout))) {
    await waitFor(
      `connector ${name} accepted`,
      60_000,
      async () => (await rest.putConnectorConfig(name, config)) && true,
      1000,
    );
  }
  for (const name of Object.keys(sandboxConnectorConfigs(layout))) {
    await waitFor(
      `connector ${name} RUNNING`,
      90_000,
      async () => {
        const s = await rest.connectorStatus(name);
        // a task that failed while a cluster was away (`sandbox heal`) is restarted rather than waited for
        if (s.state === 'FAILED' || s.tasks.some((t) => t.state === 'FAILED'))
          await rest.request(
            'POST',
            `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`,
          );
        // MirrorCheckpointConnector has no task until a consumer group matches its filter.
        const tasksOk =
          (s.tasks.length > 0 || name.includes('Checkpoint')) && s.tasks.every((t) => t.state === 'RUNNING');
        return s.state === 'RUNNING' && tasksOk ? true : undefined;
      },
      1000,
    );
  }
  say('waiting for primary.heartbeats to replicate to dr...');
  await waitForHeartbeats(layout, 120_000);

  const redis = await ensureRedis(layout, say);
  if (redis) {
    state.processes.redis = redis;
    started.push('redis');
  }
  writeState(layout, state);
  return { elapsedMs: Date.now() - t0, started, reused };
}

async function startBrokerIfNeeded(
  layout: SandboxLayout,
  state: SandboxState,
  cluster: 'primary' | 'dr',
): Promise<boolean> {
  if (pidAlive(state.processes[cluster]?.pid)) return false;
  await assertPortFree(layout.ports[cluster], `${cluster} broker`);
  const logDir = join(layout.dataDir, cluster);
  const propsFile = writeConfig(layout, `${cluster}.properties`, brokerProperties(layout, cluster, logDir));
  if (!existsSync(join(logDir, 'meta.properties'))) {
    mkdirSync(logDir, { recursive: true });
    const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
    const args = javaArgs(layout, `${cluster}-format`, BROKER_HEAP, 'kafka.tools.StorageTool', [
      'format',
      '-t',
      clusterId,
      '-c',
      propsFile,
    ]);
    const res = spawnSync('java', args, { encoding: 'utf8' });
    if (res.status !== 0) {
      throw new KdrError(
        'KDR_SANDBOX_FORMAT',
        `formatting ${cluster} storage failed: ${(res.stderr || res.stdout).trim().split('\n')[0]}`,
        {
          hint: `see ${join(layout.stateDir, 'logs', `${cluster}-format.log`)}; \`kdr sandbox down\` wipes the data`,
        },
      );
    }
  }
  state.processes[cluster] = startJava(
    layout,
    cluster,
    BROKER_HEAP,
    'kafka.Kafka',
    [propsFile],
    bootstrapOf(layout, cluster),
  );
  return true;
}

function startJava(
  layout: SandboxLayout,
  name: Component,
  heap: string[],
  main: string,
  args: string[],
  endpoint: string,
) {
  const log = join(layout.stateDir, 'logs', `${name}.out`);
  const pid = spawnDetached('java', javaArgs(layout, name, heap, main, args), log);
  return { pid, startedAt: new Date().toISOString(), log, endpoint };
}

async function waitForBroker(layout: SandboxLayout, cluster: 'primary' | 'dr'): Promise<void> {
  const cfg = sandboxClusterConfig(layout, cluster);
  await waitFor(
    `${cluster} broker`,
    90_000,
    async () => ((await probeCluster(cluster, cfg)).reachable ? true : undefined),
    500,
  );
}

function writeConfig(layout: SandboxLayout, name: string, text: string): string {
  const path = join(layout.stateDir, 'config', name);
  writeFileSync(path, text);
  return path;
}

async function assertPortFree(port: number, what: string): Promise<void> {
  if (await portOpen(port)) {
    throw new KdrError(
      'KDR_SANDBOX_PORT',
      `port ${port} (${what}) is taken by a process the sandbox did not start`,
      {
        hint: `stop whatever listens on 127.0.0.1:${port} (e.g. \`ss -ltnp | grep ${port}\`), then run \`kdr sandbox up\` again`,
      },
    );
  }
}
