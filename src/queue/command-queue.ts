import { Queue } from 'bullmq';
import { KdrError } from '../core/errors.js';
import { withTimeout } from '../core/timeout.js';
import { COMMAND_QUEUE, type CommandJob } from './jobs.js';
import { type RedisTarget, redisForProducer } from './redis.js';
import { saveResponseUrls } from './response-urls.js';

/** The bot's side of the command queue. */
export class CommandQueue {
  private readonly queue: Queue;
  private readonly redis;

  constructor(
    target: RedisTarget,
    private readonly prefix = 'kdr',
    /** How long a command already acknowledged waits for Redis (a master switch) before it is reported not run. */
    private readonly patienceMs = 30_000,
  ) {
    this.redis = redisForProducer(target);
    this.redis.on('error', () => undefined); // reported per enqueue, not as an unhandled event
    this.queue = new Queue(COMMAND_QUEUE, { connection: this.redis, prefix });
  }

  private pending: Array<{ data: CommandJob; responseUrl?: string; done: (err?: Error) => void }> = [];
  private flushScheduled = false;

  /**
   * Enqueues, waiting out a Redis master switch up to `patienceMs`, or fails with a clear error; the job id is the
   * request id, so a retry cannot duplicate. Jobs are written after the current turn of the event loop, all that
   * arrived in it in one round trip (`addBulk`): under a burst of commands the queue costs one Redis call per burst
   * instead of one per command.
   */
  enqueue(data: CommandJob, responseUrl?: string): Promise<void> {
    // typed here; validated by the worker when it takes the job (commandJobSchema)
    return new Promise((resolve, reject) => {
      this.pending.push({
        data,
        ...(responseUrl ? { responseUrl } : {}),
        done: (err) => (err ? reject(err) : resolve()),
      });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    // a Redis that is switching masters (Sentinel promotes a replica within seconds) is waited for up to the
    // patience budget (the bot acknowledges meanwhile), then the person is told the command was not run; a retried
    // write cannot queue a command twice (the job id is the request id)
    const until = Date.now() + this.patienceMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.write(batch);
        for (const b of batch) b.done();
        return;
      } catch (err) {
        if (Date.now() + 250 < until) {
          await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 1000)));
          continue;
        }
        const e = new KdrError(
          'KDR_QUEUE_UNAVAILABLE',
          `could not queue the command (Redis did not take it within ${Math.round(this.patienceMs / 1000)} s): ${(err as Error).message}`,
          {
            hint: 'the job queue (Redis) is unreachable; the terminal `kdr` works without it',
            retriable: true,
            cause: err,
          },
        );
        for (const b of batch) b.done(e);
        return;
      }
    }
  }

  private async write(batch: CommandQueue['pending']): Promise<void> {
    // the response_urls first: a job never runs before the way back to its user is known
    await withTimeout(
      'Redis (job queue)',
      1500,
      saveResponseUrls(
        this.redis,
        this.prefix,
        batch.flatMap((b) => (b.responseUrl ? [{ requestId: b.data.requestId, url: b.responseUrl }] : [])),
      ),
    );
    await withTimeout(
      'Redis (job queue)',
      1500,
      this.queue.addBulk(
        batch.map(({ data }) => ({
          name: 'command',
          data,
          opts: { jobId: data.requestId, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 },
        })),
      ),
    );
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts();
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
