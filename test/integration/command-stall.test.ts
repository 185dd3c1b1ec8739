import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AuditLog } from '../../src/audit/audit-log.js';
import type { AnyCommand } from '../../src/core/command.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { CommandQueue } from '../../src/queue/command-queue.js';
import { startCommandWorker } from '../../src/queue/command-worker.js';
import { COMMAND_QUEUE } from '../../src/queue/jobs.js';
import { fakePorts } from '../fakes/fake-ports.js';
import { withRedis } from '../helpers/redis.js';
import { eventually, sandboxConfig, unique } from '../helpers/sandbox.js';

/**
 * A worker that stops renewing its command's lock (paused, partitioned from Redis, or dead) loses the command to
 * another worker within seconds (BullMQ's stall detection, 10 s lock); the other answers; the first, waking up
 * later, does not post a second answer and does not tell the person it failed. Real Redis and BullMQ; the command is
 * a test command that waits on a gate, the Slack side a recording poster (the subject is the queue).
 */
const prefix = unique('kdr-stall');
const base = sandboxConfig();
const config = {
  ...base,
  redis: { ...base.redis, prefix },
  worker: { ...base.worker, coalesce: 0, concurrency: 2 },
};
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});

function gatedCommand(gate: Promise<void>, started: () => void): AnyCommand {
  return {
    name: 'slow',
    summary: 'waits on a gate (test)',
    usage: 'slow',
    examples: ['slow'],
    options: {},
    args: z.object({ positionals: z.array(z.string()) }),
    mutates: false,
    run: async () => {
      started();
      await gate;
      return { answer: 42 };
    },
    view: { text: () => 'answer 42', blocks: () => [], summary: () => 'answer 42' },
  };
}

function recorder() {
  const posts: string[] = [];
  const lines: string[] = [];
  const poster = {
    postMessage: async (channel: string, msg: { text: string }) => {
      posts.push(msg.text);
      return { channel, ts: `${Date.now() / 1000}` };
    },
    updateMessage: async () => undefined,
    uploadFile: async () => undefined,
    postEphemeral: async () => undefined,
  };
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  return { posts, lines, poster, log };
}

function worker(command: AnyCommand, r: ReturnType<typeof recorder>): Worker {
  const ports = fakePorts();
  const w = startCommandWorker({
    config,
    log: r.log,
    poster: r.poster,
    ports,
    registry: new CommandRegistry([command]),
    audit: ports.audit as unknown as AuditLog,
  });
  closers.push(() => w.close(true));
  return w;
}

describe('a command whose worker stops renewing its lock (issue 15)', () => {
  it('is answered once, by another worker, within seconds; the first never posts a second answer', async () => {
    const a = recorder();
    let openA!: () => void;
    let startedA = false;
    const wA = worker(
      gatedCommand(new Promise<void>((r) => (openA = r)), () => (startedA = true)),
      a,
    );
    const queue = new CommandQueue(config.redis, prefix);
    closers.push(() => queue.close());
    const requestId = randomUUID();
    await queue.enqueue({
      requestId,
      text: 'slow',
      userId: 'U0CAROL',
      channelId: 'C0STALL',
      requestedAt: new Date().toISOString(),
    });
    await eventually('worker A runs the command', 30_000, async () => (startedA ? true : undefined));

    // A stops renewing: its lock is gone, as when the process is paused past the lock's 10 s or killed (and, as a
    // paused process, it takes no new job meanwhile)
    await wA.pause(true);
    const b = recorder();
    worker(
      gatedCommand(Promise.resolve(), () => undefined),
      b,
    );
    const lostAt = Date.now();
    await withRedis(config.redis, (r) => r.del(`${prefix}:${COMMAND_QUEUE}:${requestId}:lock`));
    await eventually('worker B answers', 60_000, async () => (b.posts.length > 0 ? true : undefined));
    const tookOver = Date.now() - lostAt;

    // A wakes up: its command finishes, finds the answer B recorded and posts nothing
    openA();
    await eventually('worker A sees the answer', 30_000, async () =>
      a.lines.some((l) => l.includes('already answered by another worker')) ? true : undefined,
    );
    expect(b.posts).toHaveLength(1);
    expect(b.posts[0]).toContain('answer 42');
    expect(a.posts).toEqual([]);
    // and it does not tell the person their command failed (the response_url would be asked for first)
    expect(a.lines.some((l) => l.includes('could not tell the person'))).toBe(false);
    console.log(
      `command stall: lock lost, another worker answered ${tookOver} ms later; the first posted nothing`,
    );
  }, 120_000);
});
