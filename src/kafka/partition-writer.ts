import type { ClusterConfig } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { withTimeout } from '../core/timeout.js';
import { createKafkaClient } from './client.js';
import type { TailRecord } from './types.js';

/**
 * Appends records to one partition at a time, as they are (key, value, headers, timestamp), with an idempotent
 * producer, one request in flight and acks from every in-sync replica: one `append` is one record batch, so its
 * records take consecutive offsets from the base offset it returns.
 */
export class PartitionWriter {
  private readonly producer;
  private connected?: Promise<void>;

  constructor(
    readonly clusterName: string,
    private readonly cfg: ClusterConfig,
    log?: Logger,
  ) {
    this.producer = createKafkaClient(clusterName, cfg, log).producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
  }

  /** Writes `records` to `topic`-`partition` in one batch; returns the offset the first one took. */
  async append(topic: string, partition: number, records: TailRecord[]): Promise<bigint> {
    if (records.length === 0) throw new Error('append needs at least one record');
    this.connected ??= this.producer.connect();
    // no retry around a send: the idempotent producer retries inside; a second send could write the batch twice
    const what = `writing ${records.length} record(s) to ${topic}-${partition} on cluster ${this.clusterName}`;
    const ms = (this.cfg.timeouts.connectMs + this.cfg.timeouts.requestMs) * 4;
    const send = async () => {
      await this.connected;
      return this.producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({
          partition,
          key: r.key,
          value: r.value,
          timestamp: String(r.timestamp),
          headers: headersOf(r.headers ?? []),
        })),
      });
    };
    const res = await withTimeout(what, ms, send()).catch((err: unknown) => {
      if (err instanceof KdrError) throw err;
      throw new KdrError('KDR_KAFKA', `${what} failed: ${(err as Error).message ?? String(err)}`, {
        hint: 'check the cluster and its ACLs; the step can be retried (a partial copy is made again)',
        retriable: false,
      });
    });
    const meta = res.find((m) => m.partition === partition);
    if (!meta || meta.baseOffset === undefined)
      throw new KdrError(
        'KDR_KAFKA',
        `${this.clusterName} did not say where ${topic}-${partition} took the records`,
        {
          retriable: true,
        },
      );
    return BigInt(meta.baseOffset);
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

function headersOf(list: Array<[string, Buffer]>): Record<string, Buffer | Buffer[]> {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [k, v] of list) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}
