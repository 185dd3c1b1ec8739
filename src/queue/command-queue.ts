import { Queue } from 'bullmq';
import { KdrError } from '../core/errors.js';
import { withTimeout } from '../core/timeout.js';
import { COMMAND_QUEUE, type CommandJob, commandJobSchema } from './jobs.js';
import { redisForProducer } from './redis.js';

/** The bot's side of the command queue. */
export class CommandQueue {
  private readonly queue: Queue;
  private readonly redis;

  constructor(redisUrl: string, prefix = 'kdr') {
    this.redis = redisForProducer(redisUrl);
    this.redis.on('error', () => undefined); // reported per enqueue, not as an unhandled event
    this.queue = new Queue(COMMAND_QUEUE, { connection: this.redis, prefix });
  }

  /** Enqueues within 1.5 s or fails with a clear error; the job id is the request id, so a retry cannot duplicate. */
  async enqueue(job: CommandJob): Promise<void> {
    const data = commandJobSchema.parse(job);
    try {
      await withTimeout(
        'Redis (job queue)',
        1500,
        this.queue.add('command', data, {
          jobId: data.requestId,
          attempts: 1,
          removeOnComplete: 1000,
          removeOnFail: 1000,
        }),
      );
    } catch (err) {
      throw new KdrError('KDR_QUEUE_UNAVAILABLE', `could not queue the command: ${(err as Error).message}`, {
        hint: 'the job queue (Redis) is unreachable; the terminal `kdr` works without it',
        retriable: true,
        cause: err,
      });
    }
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts();
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
