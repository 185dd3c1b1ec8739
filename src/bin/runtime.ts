import type { Server } from 'node:http';
import { join } from 'node:path';
import type { App } from '@slack/bolt';
import type { Worker } from 'bullmq';
import { REGISTRY } from '../../commands/index.js';
import { ApprovalJournal } from '../approval/approval-journal.js';
import { Approvers } from '../approval/approvers.js';
import { type DecisionDeps, handleClick, updateMessage } from '../approval/decide.js';
import type { StoredPlan } from '../approval/plan-store.js';
import { PlanStore } from '../approval/plan-store.js';
import { threadedAuditLog } from '../approval/wiring.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { HealthMetrics } from '../health/metrics.js';
import { startMetricsServer } from '../health/metrics-server.js';
import { executeApproved } from '../pipeline/execute-approved.js';
import { startSweeper } from '../pipeline/sweeper.js';
import { CommandQueue } from '../queue/command-queue.js';
import { startCommandWorker } from '../queue/command-worker.js';
import { ExecQueue, startExecWorker } from '../queue/exec-queue.js';
import { type HealthWorker, startHealthWorker } from '../queue/health-worker.js';
import { type MaintenanceWorker, startMaintenanceWorker } from '../queue/maintenance-worker.js';
import { redisForWorker } from '../queue/redis.js';
import { checkEvictionPolicy } from '../queue/redis-policy.js';
import { connectRedis } from '../queue/redis-ready.js';
import { onStepPlan, type RunbookDeps, STEP_KIND } from '../runbook/engine.js';
import { abortChange } from '../runbook/run-control.js';
import { startRunWatchdog } from '../runbook/run-watchdog.js';
import { stepChange } from '../runbook/step-change.js';
import { startSplitBrainWatch } from '../runbook/watch.js';
import { createSlackApp } from '../slack/app.js';
import { SlackPoster } from '../slack/poster.js';
import { CheckpointIndex } from '../translate/checkpoint-index.js';
import { type CheckpointIndexer, startCheckpointIndexer } from '../translate/checkpoint-indexer.js';
import { realPorts, runbookBase } from './ports.js';

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
  /** Overrides redis.prefix; tests use a unique one so they never share queues. */
  prefix?: string;
  /** Scheduled lag checks and alerts (default: on wherever the worker runs). */
  withHealth?: boolean;
  /** Overrides worker.metrics.port (0: any free port). */
  metricsPort?: number;
  /** Replaces the bot's queueing of approved plans (tests inject a failure; the sweeper must cover it). */
  enqueueExecution?: (planId: string) => Promise<void>;
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
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const o = { ...opts, config: withOverrides(opts) };
  const rt: Runtime = { stop: async () => undefined };
  let metricsServer: Server | undefined;
  let closeBot: () => Promise<void> = async () => undefined;
  let closeWorker: () => Promise<void> = async () => undefined;
  let runbookDeps: RunbookDeps | undefined;
  const prefix = o.config.redis.prefix;
  // a Redis that may evict kdr's state is refused before anything starts; one that is away is waited for (the
  // worker) or reported per command (the bot), and checked by the next start
  const probe = await connectRedis(o.config.redis, 5000).catch((err: Error) => {
    o.log.warn({ err: err.message }, 'Redis not reachable at start-up: eviction policy not checked');
    return undefined;
  });
  try {
    if (probe) await checkEvictionPolicy(probe);
  } finally {
    probe?.disconnect();
  }
  if (o.withWorker) {
    const poster = new SlackPoster(o.botToken, o.slackApiUrl);
    if (o.withHealth !== false) {
      rt.metrics = new HealthMetrics();
      rt.health = await startHealthWorker({
        config: o.config,
        log: o.log,
        poster,
        metrics: rt.metrics,
      });
      rt.maintenance = await startMaintenanceWorker({ config: o.config, log: o.log, poster });
      const health = rt.health;
      const started = await startMetricsServer(
        rt.metrics,
        o.config.worker.metrics.port,
        o.config.worker.metrics.host,
        async () => health.worker.isRunning(),
      );
      metricsServer = started.server;
      rt.metricsUrl = started.url;
      // The checkpoint index: translation at failover time reads it instead of scanning the checkpoints topic.
      const redis = redisForWorker(o.config.redis);
      const indexer = startCheckpointIndexer(
        o.config,
        new CheckpointIndex(redis, prefix),
        o.log.child({ component: 'checkpoint-index' }),
        o.config.checkpointIndex.interval,
      );
      rt.indexer = {
        close: async () => {
          await indexer.close();
          redis.disconnect();
        },
      };
    }
    // one set of ports for the worker's commands and executions; audit entries about a message go to its thread
    const stateRedis = redisForWorker(o.config.redis);
    const audit = threadedAuditLog(stateRedis, prefix, o.config, poster);
    const ports = realPorts(o.config, o.log, stateRedis, audit);
    const store = rt.health?.store;
    rt.worker = startCommandWorker({
      config: o.config,
      log: o.log.child({ component: 'worker' }),
      poster,
      ports,
      audit,
      registry: REGISTRY,
      runbook: async () => runbookDeps!,
      ...(store
        ? {
            groupStatus: async (flow: string, group: string) =>
              (await store.groupStates(flow)).get(group)?.status,
          }
        : {}),
    });
    await rt.worker.waitUntilReady();
    // Approved plans: executed once each (the job id is the plan id), by the change their kind names.
    const execLog = o.log.child({ component: 'exec' });
    const sweepQueue = new ExecQueue(o.config.redis, prefix);
    const runbook: RunbookDeps = {
      ...runbookBase(o.config, o.log.child({ component: 'runbook' }), stateRedis, ports),
      chat: poster,
      enqueue: (id) => sweepQueue.enqueue(id),
    };
    runbookDeps = runbook;
    const changes = REGISTRY.changes();
    for (const c of [stepChange(runbook), abortChange(runbook)]) changes.set(c.kind, c);
    const execEnv = {
      config: o.config,
      log: execLog,
      ports,
      changes,
      notify: (plan: StoredPlan) =>
        updateMessage({ poster, log: execLog, renderPlan: (p) => renderRunPlan(runbook, p) }, plan),
    };
    rt.execWorker = startExecWorker(o.config.redis, prefix, (planId, finalAttempt) =>
      executeApproved(execEnv, planId, { finalAttempt }),
    );
    await rt.execWorker.waitUntilReady();
    const sweeper = startSweeper(
      {
        plans: ports.plans,
        hasLiveJob: (id) => sweepQueue.hasLiveJob(id),
        requeue: (id) => sweepQueue.requeue(id),
        audit: ports.audit,
        log: execLog,
        journal: new ApprovalJournal(join(o.config.dataDir, 'approvals', prefix)),
      },
      o.config.changes.sweep,
    );
    const watch = startSplitBrainWatch(runbook, o.config.runbook.watch);
    const watchdog = startRunWatchdog(runbook, o.config.runbook.watch, o.config.runbook.stuckAfter);
    closeWorker = async () => {
      watch.stop();
      watchdog.stop();
      sweeper.stop();
      await sweepQueue.close();
      await ports.offsets.close();
      stateRedis.disconnect();
    };
  }
  if (o.withBot) {
    rt.queue = new CommandQueue(o.config.redis, prefix, o.config.redis.switchPatience);
    const queue = rt.queue;
    const clickRedis = redisForWorker(o.config.redis);
    clickRedis.on('error', () => undefined); // reported by the click that needed it
    const execQueue = new ExecQueue(o.config.redis, prefix);
    const slack = new SlackPoster(o.botToken, o.slackApiUrl);
    const clickPorts = realPorts(o.config, o.log, clickRedis);
    const clickRunbook: RunbookDeps = {
      ...runbookBase(o.config, o.log.child({ component: 'runbook' }), clickRedis, clickPorts),
      chat: slack,
      enqueue: (id) => execQueue.enqueue(id),
    };
    const decisions: DecisionDeps = {
      renderPlan: (p) => renderRunPlan(clickRunbook, p),
      plans: new PlanStore(clickRedis, prefix),
      approvers: new Approvers(o.config.slack?.approvers ?? { users: [], usergroups: [] }, slack),
      audit: threadedAuditLog(clickRedis, prefix, o.config, slack),
      poster: slack,
      log: o.log.child({ component: 'approvals' }),
      twoPersonRule: o.config.slack?.twoPersonRule ?? true,
      enqueueExecution: o.enqueueExecution ?? ((id) => execQueue.enqueue(id)),
      journal: new ApprovalJournal(join(o.config.dataDir, 'approvals', prefix)),
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
      registry: REGISTRY,
      enqueue: (job, responseUrl) => queue.enqueue(job, responseUrl),
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
    await closeWorker().catch(() => undefined);
    await rt.health?.close().catch(() => undefined);
    await rt.maintenance?.close().catch(() => undefined);
    await rt.indexer?.close().catch(() => undefined);
    await new Promise((r) => (metricsServer ? metricsServer.close(r) : r(undefined)));
  };
  return rt;
}

/** Runbook step plans are drawn in their run message (and move the run on); other plans are not ours. */
async function renderRunPlan(d: RunbookDeps, plan: StoredPlan): Promise<boolean> {
  if (plan.kind !== STEP_KIND) return false;
  await onStepPlan(d, plan);
  return true;
}

/** The runtime's explicit options win over the config's (tests: a unique prefix, any free metrics port). */
function withOverrides(o: RuntimeOptions): Config {
  const c = o.config;
  return {
    ...c,
    redis: { ...c.redis, ...(o.prefix ? { prefix: o.prefix } : {}) },
    worker: {
      ...c.worker,
      metrics: { ...c.worker.metrics, ...(o.metricsPort !== undefined ? { port: o.metricsPort } : {}) },
    },
  };
}

/** The first SIGTERM or SIGINT (graceful shutdown, once). */
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
