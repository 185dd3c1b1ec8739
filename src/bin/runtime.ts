import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Worker } from 'bullmq';
import { Approvers } from '../approval/approvers.js';
import { type DecisionDeps, handleClick } from '../approval/decide.js';
import { executePlan } from '../approval/execute.js';
import { PlanStore } from '../approval/plan-store.js';
import { threadedAuditLog } from '../approval/wiring.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { HealthMetrics } from '../health/metrics.js';
import { startMetricsServer } from '../health/metrics-server.js';
import { CommandQueue } from '../queue/command-queue.js';
import { startCommandWorker } from '../queue/command-worker.js';
import { ExecQueue, startExecWorker } from '../queue/exec-queue.js';
import { type HealthWorker, startHealthWorker } from '../queue/health-worker.js';
import { type MaintenanceWorker, startMaintenanceWorker } from '../queue/maintenance-worker.js';
import { redisForWorker } from '../queue/redis.js';
import { createSlackApp } from '../slack/app.js';
import { SlackPoster } from '../slack/poster.js';
import { CheckpointIndex } from '../translate/checkpoint-index.js';
import { type CheckpointIndexer, startCheckpointIndexer } from '../translate/checkpoint-indexer.js';

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
  /** Scheduled lag checks and alerts (default: on wherever the worker runs). */
  withHealth?: boolean;
  /** Port of the worker's /metrics and /healthz (0: any free port; default $KDR_METRICS_PORT or 9464). */
  metricsPort?: number;
}

export interface Runtime {
  app?: App;
  worker?: Worker;
  queue?: CommandQueue;
  health?: HealthWorker;
  metrics?: HealthMetrics;
  metricsUrl?: string;
  indexer?: CheckpointIndexer;
  execWorker?: Worker;
  maintenance?: MaintenanceWorker;
  stop(): Promise<void>;
}

/** Wires the real adapters together: the Bolt app and/or the BullMQ worker. Entry points only. */
export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const rt: Runtime = { stop: async () => undefined };
  let metricsServer: Server | undefined;
  let closeBot: () => Promise<void> = async () => undefined;
  if (o.withWorker) {
    const poster = new SlackPoster(o.botToken, o.slackApiUrl);
    if (o.withHealth !== false) {
      rt.metrics = new HealthMetrics();
      rt.health = await startHealthWorker({
        config: o.config,
        log: o.log,
        poster,
        metrics: rt.metrics,
        prefix: o.prefix,
      });
      rt.maintenance = await startMaintenanceWorker({
        config: o.config,
        log: o.log,
        poster,
        prefix: o.prefix,
      });
      const health = rt.health;
      const port = o.metricsPort ?? Number(process.env.KDR_METRICS_PORT ?? 9464);
      const started = await startMetricsServer(rt.metrics, port, async () => health.worker.isRunning());
      metricsServer = started.server;
      rt.metricsUrl = started.url;
      // The checkpoint index: translation at failover time reads it instead of scanning the checkpoints topic.
      const redis = redisForWorker(o.config.redis.url);
      const indexer = startCheckpointIndexer(
        o.config,
        new CheckpointIndex(redis, o.prefix ?? 'kdr'),
        o.log.child({ component: 'checkpoint-index' }),
        Number(process.env.KDR_INDEX_INTERVAL_MS ?? 1000),
      );
      rt.indexer = {
        close: async () => {
          await indexer.close();
          redis.disconnect();
        },
      };
    }
    const store = rt.health?.store;
    rt.worker = startCommandWorker({
      // jobs at once; fewer leaves more CPU to the bot's acknowledgements when both share a host
      concurrency: Number(process.env.KDR_WORKER_CONCURRENCY ?? 4),
      config: o.config,
      log: o.log.child({ component: 'worker' }),
      poster,
      prefix: o.prefix,
      ...(store
        ? {
            groupStatus: async (flow: string, group: string) =>
              (await store.groupStates(flow)).get(group)?.status,
          }
        : {}),
    });
    await rt.worker.waitUntilReady();
    // Approved plans: executed once each (the job id is the plan id).
    const execRedis = redisForWorker(o.config.redis.url);
    const prefix = o.prefix ?? 'kdr';
    const execDeps = {
      config: o.config,
      log: o.log.child({ component: 'exec' }),
      redis: execRedis,
      prefix,
      plans: new PlanStore(execRedis, prefix),
      audit: threadedAuditLog(execRedis, prefix, o.config, poster),
      poster,
    };
    rt.execWorker = startExecWorker(o.config.redis.url, prefix, (planId) => executePlan(execDeps, planId));
    rt.execWorker.on('closed', () => execRedis.disconnect());
    await rt.execWorker.waitUntilReady();
  }
  if (o.withBot) {
    rt.queue = new CommandQueue(o.config.redis.url, o.prefix);
    const queue = rt.queue;
    const prefix = o.prefix ?? 'kdr';
    const clickRedis = redisForWorker(o.config.redis.url);
    clickRedis.on('error', () => undefined); // reported by the click that needed it
    const execQueue = new ExecQueue(o.config.redis.url, prefix);
    const slack = new SlackPoster(o.botToken, o.slackApiUrl);
    const decisions: DecisionDeps = {
      plans: new PlanStore(clickRedis, prefix),
      approvers: new Approvers(o.config.slack?.approvers ?? { users: [], usergroups: [] }, slack),
      audit: threadedAuditLog(clickRedis, prefix, o.config, slack),
      poster: slack,
      log: o.log.child({ component: 'approvals' }),
      twoPersonRule: o.config.slack?.twoPersonRule ?? true,
      enqueueExecution: (id) => execQueue.enqueue(id),
    };
    closeBot = async () => {
      await execQueue.close();
      clickRedis.disconnect();
    };
    rt.app = createSlackApp({
      config: o.config,
      log: o.log.child({ component: 'bot' }),
      botToken: o.botToken,
      signingSecret: o.signingSecret,
      appToken: o.appToken,
      port: o.port,
      slackApiUrl: o.slackApiUrl,
      enqueue: (job) => queue.enqueue(job),
      onClick: (click) => handleClick(decisions, click),
    });
    await rt.app.start();
  }
  rt.stop = async () => {
    // Stop taking requests first, then let the worker finish its current job.
    await rt.app?.stop().catch(() => undefined);
    await rt.queue?.close().catch(() => undefined);
    await closeBot().catch(() => undefined);
    await rt.worker?.close().catch(() => undefined);
    await rt.execWorker?.close().catch(() => undefined);
    await rt.health?.close().catch(() => undefined);
    await rt.maintenance?.close().catch(() => undefined);
    await rt.indexer?.close().catch(() => undefined);
    await new Promise((r) => (metricsServer ? metricsServer.close(r) : r(undefined)));
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
