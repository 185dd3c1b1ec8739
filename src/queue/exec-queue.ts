import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import { withTimeout } from '../core/timeout.js';
import { type RedisTarget, redisForProducer, redisForWorker } from './redis.js';

export const EXEC_QUEUE = 'kdr-exec';
export const execJobSchema = z.object({ planId: z.string().uuid() });

const JOB_OPTS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** Approved plans waiting for the worker. The job id is the plan id: queuing it twice queues it once. */
export class ExecQueue {
  private readonly redis;
  private readonly queue: Queue;

  constructor(target: RedisTarget, prefix: string) {
    this.redis = redisForProducer(target);
    this.redis.on('error', () => undefined);
    this.queue = new Queue(EXEC_QUEUE, { connection: this.redis, prefix });
    this.queue.on('error', () => undefined); // reported by the enqueue that failed
  }

  async enqueue(planId: string): Promise<void> {
    await withTimeout(
      'Redis (execution queue)',
      1500,
      this.queue.add('execute', execJobSchema.parse({ planId }), { jobId: planId, ...JOB_OPTS }),
    );
  }

  /** Whether a job will run the plan: waiting, delayed or running (a stalled running job is retried by BullMQ). */
  async hasLiveJob(planId: string): Promise<boolean> {
    const job = await this.queue.getJob(planId);
    if (!job) return false;
    const state = await job.getState();
    return state !== 'completed' && state !== 'failed' && state !== 'unknown';
  }

  /** Queues the plan again, dropping a finished job of the same id first (BullMQ ignores a duplicate id). */
  async requeue(planId: string): Promise<void> {
    const job = await this.queue.getJob(planId);
    if (job) await job.remove();
    await this.enqueue(planId);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

/** What one execution attempt reports back (src/pipeline/execute-approved.ts). */
export interface AttemptResult {
  status: 'executed' | 'failed' | 'refused' | 'not-run';
  text: string;
  retry?: boolean;
}

/**
 * The execution worker. A retriable failure is thrown as a plain error (BullMQ retries with backoff); any other
 * failure as BullMQ's UnrecoverableError (no retry: in DR an unknown failure stops and asks). A refusal is a
 * result, not a failure.
 */
export function startExecWorker(
  target: RedisTarget,
  prefix: string,
  run: (planId: string, finalAttempt: boolean) => Promise<AttemptResult>,
): Worker {
  return new Worker(
    EXEC_QUEUE,
    async (job) => {
      const { planId } = execJobSchema.parse(job.data);
      const r = await run(planId, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
      if (r.retry) throw new Error(r.text);
      if (r.status === 'failed') throw new UnrecoverableError(r.text);
      return r.text;
    },
    {
      connection: redisForWorker(target),
      prefix,
      concurrency: 2,
      // a worker killed mid-execution: its job is seen stalled within ~10 s and run again (resumed)
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 3,
    },
  );
}
