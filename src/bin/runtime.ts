import type { App } from '@slack/bolt';
import type { Worker } from 'bullmq';
import type { Config } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { CommandQueue } from '../queue/command-queue.js';
import { startCommandWorker } from '../queue/command-worker.js';
import { createSlackApp } from '../slack/app.js';
import { SlackPoster } from '../slack/poster.js';

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  port?: number;
  slackApiUrl?: string;
  withBot?: boolean;
  withWorker?: boolean;
  /** BullMQ key prefix; tests use a unique one so they never share queues. */
  prefix?: string;
}

export interface Runtime {
  app?: App;
  worker?: Worker;
  queue?: CommandQueue;
  stop(): Promise<void>;
}

/** Wires the real adapters together: the Bolt app and/or the BullMQ worker. Entry points only. */
export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const rt: Runtime = { stop: async () => undefined };
  if (o.withWorker) {
    rt.worker = startCommandWorker({
      config: o.config,
      log: o.log.child({ component: 'worker' }),
      poster: new SlackPoster(o.botToken, o.slackApiUrl),
      prefix: o.prefix,
    });
    await rt.worker.waitUntilReady();
  }
  if (o.withBot) {
    rt.queue = new CommandQueue(o.config.redis.url, o.prefix);
    const queue = rt.queue;
    rt.app = createSlackApp({
      config: o.config,
      log: o.log.child({ component: 'bot' }),
      botToken: o.botToken,
      signingSecret: o.signingSecret,
      appToken: o.appToken,
      port: o.port,
      slackApiUrl: o.slackApiUrl,
      enqueue: (job) => queue.enqueue(job),
    });
    await rt.app.start();
  }
  rt.stop = async () => {
    // Stop taking requests first, then let the worker finish its current job.
    await rt.app?.stop().catch(() => undefined);
    await rt.queue?.close().catch(() => undefined);
    await rt.worker?.close().catch(() => undefined);
  };
  return rt;
}

/** SIGTERM/SIGINT: graceful shutdown, once. */
export function stopOnSignals(rt: Runtime, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      log.info({ sig }, 'shutting down');
      rt.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
