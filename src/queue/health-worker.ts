import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/load.js';
import type { Poster } from '../core/chat.js';
import type { Logger } from '../core/logger.js';
import { drainAlerts } from '../health/alert-sender.js';
import { HealthStore } from '../health/health-store.js';
import { runLagCheck } from '../health/lag-check.js';
import type { HealthMetrics } from '../health/metrics.js';
import { redisForWorker } from './redis.js';

export const HEALTH_QUEUE = 'kdr-health';

export interface HealthWorkerOptions {
  config: Config;
  log: Logger;
  poster: Poster;
  metrics?: HealthMetrics;
}

export interface HealthWorker {
  worker: Worker;
  queue: Queue;
  store: HealthStore;
  close(): Promise<void>;
}

/**
 * Scheduled lag checks: one BullMQ job scheduler per flow (`flows[].lagCheck.every`), processed one at a time
 * under a per-flow lock; alerts are drained to the ops channel after every check.
 */
export async function startHealthWorker(o: HealthWorkerOptions): Promise<HealthWorker> {
  const prefix = o.config.redis.prefix;
  const redis = redisForWorker(o.config.redis);
  const store = new HealthStore(redis, prefix);
  const queue = new Queue(HEALTH_QUEUE, { connection: redisForWorker(o.config.redis), prefix });
  const log = o.log.child({ component: 'health' });
  const worker = new Worker(
    HEALTH_QUEUE,
    async (job) => {
      const flow = String((job.data as { flow?: unknown }).flow ?? '');
      if (!o.config.flows.some((f) => f.name === flow))
        return { skipped: `flow ${flow} is no longer configured` };
      const res = await store.withFlowLock(flow, 120_000, () =>
        runLagCheck({ config: o.config, log, store, metrics: o.metrics }, flow),
      );
      await drainAlerts(store, o.poster, o.config.slack?.channels.ops, log);
      return res
        ? { verdict: res.status.verdict, alerts: res.alerts.length }
        : { skipped: 'another check of this flow is running' };
    },
    { connection: redisForWorker(o.config.redis), prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => log.error({ job: job?.id, err: err.message }, 'lag check failed'));
  const wanted = new Set(o.config.flows.map((f) => `lag-check:${f.name}`));
  for (const s of await queue.getJobSchedulers())
    if (s.key && !wanted.has(s.key)) await queue.removeJobScheduler(s.key);
  for (const f of o.config.flows) {
    await queue.upsertJobScheduler(
      `lag-check:${f.name}`,
      { every: f.lagCheck.every },
      { name: 'lag-check', data: { flow: f.name }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }
  await drainAlerts(store, o.poster, o.config.slack?.channels.ops, log).catch((err) =>
    log.error({ err: err.message }, 'alert drain at start failed'),
  );
  return {
    worker,
    queue,
    store,
    close: async () => {
      await worker.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
