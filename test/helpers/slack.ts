import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { type Runtime, startRuntime } from '../../src/bin/runtime.js';
import type { Config } from '../../src/config/load.js';
import { SlackEmulator } from '../../src/emulator/server.js';
import { ROOT, sandboxConfig, testLog, unique } from './sandbox.js';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface SlackRig {
  emulator: SlackEmulator;
  runtime: Runtime;
  appUrl: string;
  signingSecret: string;
  botToken: string;
  prefix: string;
  stop(): Promise<void>;
}

/**
 * The real app (Bolt HTTP receiver, or Socket Mode with `socketMode`, + BullMQ worker on real Redis with a unique
 * queue prefix) against the emulator.
 */
export async function startSlackRig(
  opts: {
    socketMode?: boolean;
    withHealth?: boolean;
    config?: Config;
    prefix?: string;
    enqueueExecution?: (planId: string) => Promise<void>;
  } = {},
): Promise<SlackRig> {
  const botToken = `xoxb-test-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const emulator = await new SlackEmulator({ tokens: [botToken] }).start();
  const port = await freePort();
  const prefix = opts.prefix ?? unique('kdr-test');
  const runtime = await startRuntime({
    config: opts.config ?? sandboxConfig(),
    log: testLog,
    botToken,
    ...(opts.socketMode
      ? { appToken: `xapp-test-${randomBytes(6).toString('hex')}` }
      : { signingSecret, port }),
    slackApiUrl: emulator.apiUrl,
    withBot: true,
    withWorker: true,
    withHealth: opts.withHealth ?? false,
    metricsPort: 0,
    prefix,
    ...(opts.enqueueExecution ? { enqueueExecution: opts.enqueueExecution } : {}),
  });
  const appUrl = `http://127.0.0.1:${port}/slack/events`;
  emulator.configureApp(appUrl, signingSecret);
  return {
    emulator,
    runtime,
    appUrl,
    signingSecret,
    botToken,
    prefix,
    stop: async () => {
      await runtime.stop();
      await emulator.stop();
    },
  };
}

/**
 * A `kdr worker` process of the project's own binary against the rig's emulator and queue (the crash tests kill
 * it); killed with SIGKILL by the cleanup it registers.
 */
export function spawnKdrWorker(
  rig: SlackRig,
  configFile: string,
  cleanups: Array<() => Promise<unknown>>,
  env: Record<string, string> = {},
): ChildProcess {
  const w = spawn(process.execPath, [resolve(ROOT, 'bin/kdr.js'), 'worker', '--config', configFile], {
    env: {
      ...process.env,
      SLACK_BOT_TOKEN: rig.botToken,
      SLACK_SIGNING_SECRET: rig.signingSecret,
      SLACK_API_URL: rig.emulator.apiUrl,
      KDR_METRICS_PORT: '0',
      KDR_QUEUE_PREFIX: rig.prefix,
      ...env,
    },
    stdio: 'ignore',
  });
  cleanups.push(async () => w.kill('SIGKILL'));
  return w;
}
