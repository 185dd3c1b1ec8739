import { Queue, Worker } from 'bullmq';
import { z } from 'zod';
import { withTimeout } from '../core/timeout.js';
import { redisForProducer, redisForWorker } from './redis.js';

export const EXEC_QUEUE = 'kdr-exec';
export const execJobSchema = z.object({ planId: z.string().uuid() });

/** Approved plans waiting for the worker. The job id is the plan id: queuing it twice queues it once. */
export class ExecQueue {
  private readonly redis;
  private readonly queue: Queue;

  constructor(redisUrl: string, prefix = 'kdr') {
    this.redis = redisForProducer(redisUrl);
    this.redis.on('error', () => undefined);
    this.queue = new Queue(EXEC_QUEUE, { connection: this.redis, prefix });
    this.queue.on('error', () => undefined); // reported by the enqueue that failed
  }

  async enqueue(planId: string): Promise<void> {
    await withTimeout(
      'Redis (execution queue)',
      1500,
      this.queue.add('execute', execJobSchema.parse({ planId }), {
        jobId: planId,
        attempts: 3,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      }),
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}

export function startExecWorker(
  redisUrl: string,
  prefix: string,
  run: (planId: string) => Promise<string>,
): Worker {
  return new Worker(EXEC_QUEUE, async (job) => run(execJobSchema.parse(job.data).planId), {
    connection: redisForWorker(redisUrl),
    prefix,
    concurrency: 2,
  });
}
