import type { RawCluster, RawMessage } from './raw-cluster.js';

/** A range of one partition to read: offsets in [from, to). */
export interface WindowRequest {
  topic: string;
  partition: number;
  from: bigint;
  to: bigint;
}

/** A data record as the log holds it, with what a transaction made of it. */
export interface WindowRecord {
  offset: bigint;
  timestamp: number;
  timestampType: 'create' | 'log-append';
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer]>;
  /** Written by a transaction that was aborted (a read_committed consumer never sees it). */
  aborted: boolean;
}

export interface WindowResult {
  records: WindowRecord[];
  /** Offsets in the range the log no longer holds below its start (deleted or never written). */
  logStartAbove: boolean;
  /** The high watermark seen by the last fetch. */
  high: bigint;
}

interface BatchContext {
  producerId: string;
  inTransaction: boolean;
  isControlBatch: boolean;
  firstOffset: string;
  timestampType: number;
}

interface Progress {
  req: WindowRequest;
  next: bigint;
  /** Producers whose open transaction is known to have been aborted. */
  aborted: Set<string>;
}

type ContextMessage = RawMessage & { batchContext?: BatchContext };

interface PartitionReply {
  partition: number;
  errorCode: number;
  highWatermark: string;
  abortedTransactions?: Array<{ producerId: string; firstOffset: string }>;
  messages: ContextMessage[];
}

const OFFSET_OUT_OF_RANGE = 1;
const MAX_BYTES_PER_PARTITION = 1 << 20;
const MAX_BYTES = 1 << 25;

/**
 * Reads many small ranges at once: each round is one Fetch request per leader broker for every partition that
 * still has records to read (read_committed, so the broker names the aborted transactions, which kdr marks
 * instead of dropping). Control records (transaction markers) are left out: they are not data and MM2 does not
 * copy them.
 */
export async function readWindows(
  cluster: RawCluster,
  requests: WindowRequest[],
): Promise<Map<string, WindowResult>> {
  const out = new Map<string, WindowResult>();
  const pending = new Map<string, Progress>();
  for (const r of requests) {
    const k = windowKey(r.topic, r.partition, r.from, r.to);
    out.set(k, { records: [], logStartAbove: false, high: r.from });
    if (r.to > r.from) pending.set(k, { req: r, next: r.from, aborted: new Set() });
  }
  let idle = 0;
  while (pending.size > 0) {
    let moved = false;
    // One partition appears once per request to a broker; windows of the same partition take turns.
    const byLeader = new Map<number, Array<[string, Progress]>>();
    const seen = new Set<string>();
    for (const [k, p] of pending) {
      const tp = `${p.req.topic}\u0000${p.req.partition}`;
      if (seen.has(tp)) continue;
      seen.add(tp);
      const meta = cluster
        .findTopicPartitionMetadata(p.req.topic)
        .find((m) => m.partitionId === p.req.partition);
      if (!meta) throw new Error(`no metadata for ${p.req.topic}-${p.req.partition}`);
      const list = byLeader.get(meta.leader) ?? [];
      list.push([k, p]);
      byLeader.set(meta.leader, list);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const broker = await cluster.findBroker({ nodeId: leader });
        const topics = new Map<string, Array<{ partition: number; fetchOffset: string; maxBytes: number }>>();
        for (const [, p] of list) {
          const parts = topics.get(p.req.topic) ?? [];
          parts.push({
            partition: p.req.partition,
            fetchOffset: p.next.toString(),
            maxBytes: MAX_BYTES_PER_PARTITION,
          });
          topics.set(p.req.topic, parts);
        }
        const res = await broker.fetch({
          isolationLevel: 1,
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: MAX_BYTES,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        });
        for (const [k, p] of list) {
          const reply = res.responses
            .find((r) => r.topicName === p.req.topic)
            ?.partitions.find((x) => x.partition === p.req.partition) as PartitionReply | undefined;
          const result = out.get(k)!;
          // a broker may leave a partition out of a full response: it is asked again next round
          if (!reply) continue;
          moved = true;
          if (reply.errorCode === OFFSET_OUT_OF_RANGE) {
            result.logStartAbove = true;
            pending.delete(k);
            continue;
          }
          if (reply.errorCode !== 0)
            throw Object.assign(
              new Error(
                `fetch ${p.req.topic}-${p.req.partition} failed with Kafka error code ${reply.errorCode}`,
              ),
              { retriable: [3, 5, 6, 74, 75].includes(reply.errorCode) },
            );
          result.high = BigInt(reply.highWatermark);
          const advanced = take(reply, p, result);
          if (!advanced || p.next >= p.req.to || p.next >= result.high) pending.delete(k);
        }
      }),
    );
    if (!moved && ++idle >= 3)
      throw Object.assign(
        new Error(`fetch answered nothing for ${pending.size} partition range(s) three times`),
        {
          retriable: true,
        },
      );
    if (moved) idle = 0;
  }
  return out;
}

/** Consumes one fetch reply into the window; false when it brought nothing new (end of the readable log). */
function take(reply: PartitionReply, p: Progress, result: WindowResult): boolean {
  const started = [...(reply.abortedTransactions ?? [])].sort((a, b) =>
    BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : 1,
  );
  const before = p.next;
  for (const m of reply.messages) {
    const offset = BigInt(m.offset);
    const ctx = m.batchContext;
    while (started.length && ctx && BigInt(started[0]!.firstOffset) <= BigInt(ctx.firstOffset))
      p.aborted.add(started.shift()!.producerId);
    if (offset < p.next) continue;
    if (offset >= p.req.to) {
      p.next = p.req.to;
      break;
    }
    p.next = offset + 1n;
    if (m.isControlRecord || ctx?.isControlBatch) {
      if (ctx) p.aborted.delete(ctx.producerId);
      continue;
    }
    result.records.push({
      offset,
      timestamp: Number(m.timestamp),
      timestampType: ctx?.timestampType === 1 ? 'log-append' : 'create',
      key: m.key ?? null,
      value: m.value ?? null,
      headers: Object.entries(m.headers ?? {}).flatMap(([k, v]) =>
        (Array.isArray(v) ? v : [v]).map((b): [string, Buffer] => [k, b]),
      ),
      aborted: Boolean(ctx?.inTransaction && p.aborted.has(ctx.producerId)),
    });
  }
  return p.next > before;
}

export const windowKey = (topic: string, partition: number, from: bigint, to: bigint) =>
  `${topic}\u0000${partition}\u0000${from}\u0000${to}`;
