import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createKafkaClient } from '../kafka/client.js';
import { createTopicsReady } from '../kafka/create-topics.js';
import { type SandboxLayout, sandboxClusterConfig } from './layout.js';

/**
 * `kdr sandbox traffic`: a producer of numbered records and a consumer of them, each keeping its own log, so a
 * game day can compare kdr's report (RPO, re-reads) with the truth. The producer's log holds only what the
 * cluster acknowledged (acks=all); the consumer's log holds every record it processed, duplicates included.
 */
export interface TrafficOptions {
  topic: string;
  cluster: 'primary' | 'dr';
  group: string;
  /** Records per second (0: consume only). */
  rate: number;
  durationMs?: number;
  partitions: number;
}

export interface Acked {
  seq: number;
  cluster: string;
  topic: string;
  partition: number;
  offset: number;
  at: string;
}
export interface Consumed extends Acked {}

export const trafficDir = (layout: SandboxLayout) => join(layout.stateDir, 'traffic');
export const ackLog = (layout: SandboxLayout, topic: string) =>
  join(trafficDir(layout), `${topic}.acked.jsonl`);
export const consumeLog = (layout: SandboxLayout, topic: string) =>
  join(trafficDir(layout), `${topic}.consumed.jsonl`);
const failLog = (layout: SandboxLayout, topic: string) => join(trafficDir(layout), `${topic}.failed.jsonl`);
const pidFile = (layout: SandboxLayout, pid: number) => join(trafficDir(layout), `${pid}.pid`);

/**
 * `kdr sandbox traffic --stop`: SIGTERM to every running traffic generator of this sandbox (each records its PID),
 * waiting until they exited. The sandbox config's `hooks.stopProducers` calls it: a runbook's freeze stops them.
 */
export async function stopTraffic(layout: SandboxLayout, timeoutMs = 30_000): Promise<number[]> {
  if (!existsSync(trafficDir(layout))) return [];
  const pids = readdirSync(trafficDir(layout))
    .filter((f) => /^\d+\.pid$/.test(f))
    .map((f) => Number(f.slice(0, -4)));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stopped: number[] = [];
  for (const pid of pids) {
    if (alive(pid)) {
      process.kill(pid, 'SIGTERM');
      stopped.push(pid);
    } else rmSync(pidFile(layout, pid), { force: true });
  }
  const until = Date.now() + timeoutMs;
  while (stopped.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return stopped;
}

export function readLog<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** The topics a consumer of `topic` reads on `cluster` with MM2's default policy: its own and the mirrored one. */
export const readTopics = (topic: string, cluster: 'primary' | 'dr') => [
  topic,
  `${cluster === 'primary' ? 'dr' : 'primary'}.${topic}`,
];

/** Runs until `stop` resolves (or the duration passes); returns how many records were acked, failed, consumed. */
export async function runTraffic(
  layout: SandboxLayout,
  o: TrafficOptions,
  stop: Promise<void>,
  say: (line: string) => void,
): Promise<{ acked: number; failed: number; consumed: number }> {
  mkdirSync(trafficDir(layout), { recursive: true });
  writeFileSync(pidFile(layout, process.pid), `${process.pid}\n`);
  try {
    return await generate(layout, o, stop, say);
  } finally {
    rmSync(pidFile(layout, process.pid), { force: true });
  }
}

async function generate(
  layout: SandboxLayout,
  o: TrafficOptions,
  stop: Promise<void>,
  say: (line: string) => void,
): Promise<{ acked: number; failed: number; consumed: number }> {
  const cfg = sandboxClusterConfig(layout, o.cluster);
  const kafka = createKafkaClient(`traffic-${o.cluster}`, cfg);
  const existing = new Set<string>();
  const admin = kafka.admin();
  try {
    await admin.connect();
    for (const t of await admin.listTopics()) existing.add(t);
    if (!existing.has(o.topic) && o.rate > 0) {
      await createTopicsReady(admin, [{ topic: o.topic, numPartitions: o.partitions, replicationFactor: 1 }]);
      existing.add(o.topic);
    }
  } catch (err) {
    say(
      `${o.cluster} does not answer (${(err as Error).message}): producing anyway, each failure logged; not consuming`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const subscribed = readTopics(o.topic, o.cluster).filter((t) => existing.has(t));
  let seq = readLog<Acked>(ackLog(layout, o.topic)).reduce((m, a) => Math.max(m, a.seq), 0);
  seq = Math.max(
    seq,
    readLog<{ seq: number }>(failLog(layout, o.topic)).reduce((m, a) => Math.max(m, a.seq), 0),
  );
  const counts = { acked: 0, failed: 0, consumed: 0 };
  const ackedSeqs: number[] = [];
  const consumedSeqs = new Set<number>();
  let stopped = false;
  const timer = o.durationMs ? setTimeout(() => (stopped = true), o.durationMs) : undefined;
  void stop.then(() => (stopped = true));

  const consumer = kafka.consumer({ groupId: o.group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  if (subscribed.length) {
    await consumer.connect();
    for (const t of subscribed) await consumer.subscribe({ topic: t, fromBeginning: true });
    await consumer.run({
      autoCommitInterval: 1000,
      eachMessage: async ({ topic, partition, message }) => {
        const n = Number(String(message.value));
        if (!Number.isInteger(n)) return;
        counts.consumed++;
        consumedSeqs.add(n);
        appendFileSync(
          consumeLog(layout, o.topic),
          `${JSON.stringify({ seq: n, cluster: o.cluster, topic, partition, offset: Number(message.offset), at: new Date().toISOString() } satisfies Consumed)}\n`,
        );
      },
    });
  }
  say(
    `${o.rate > 0 ? `producing ${o.rate}/s to ${o.topic} on ${o.cluster} from seq ${seq + 1}; ` : ''}consuming ${subscribed.join(', ') || 'nothing'} as ${o.group}; logs in ${trafficDir(layout)}`,
  );
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let connected = false;
  const every = o.rate > 0 ? 1000 / o.rate : 1000;
  while (!stopped) {
    const began = Date.now();
    if (o.rate > 0) {
      const n = ++seq;
      try {
        if (!connected) {
          await producer.connect();
          connected = true;
        }
        const [meta] = await producer.send({
          topic: o.topic,
          acks: -1,
          messages: [{ key: String(n), value: String(n) }],
        });
        counts.acked++;
        ackedSeqs.push(n);
        appendFileSync(
          ackLog(layout, o.topic),
          `${JSON.stringify({ seq: n, cluster: o.cluster, topic: o.topic, partition: meta!.partition, offset: Number(meta!.baseOffset), at: new Date().toISOString() } satisfies Acked)}\n`,
        );
      } catch (err) {
        if (/disconnected/i.test((err as Error).message)) connected = false;
        counts.failed++;
        appendFileSync(
          failLog(layout, o.topic),
          `${JSON.stringify({ seq: n, cluster: o.cluster, error: (err as Error).message, at: new Date().toISOString() })}\n`,
        );
      }
    }
    await new Promise((r) => setTimeout(r, Math.max(0, every - (Date.now() - began))));
  }
  if (timer) clearTimeout(timer);
  // the consumer gets a few seconds to read what this run produced, so the logs end consistent
  const drainUntil = Date.now() + 5000;
  while (subscribed.length && Date.now() < drainUntil && ackedSeqs.some((n) => !consumedSeqs.has(n)))
    await new Promise((r) => setTimeout(r, 100));
  await Promise.allSettled([producer.disconnect(), subscribed.length ? consumer.disconnect() : undefined]);
  return counts;
}
