import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { SlackEmulator } from '../../src/emulator/server.js';
import { HEALTH_QUEUE } from '../../src/queue/health-worker.js';
import { redisForWorker } from '../../src/queue/redis.js';
import { eventually, ROOT, sandboxConfig, unique } from '../helpers/sandbox.js';

/**
 * Issue 15, part 3: two `kdr worker` processes share one Redis and ten flows with a lag check every 10 s. Over five
 * minutes every flow's check runs exactly once per interval: no interval twice (both workers upsert the same job
 * schedulers), none skipped. Counted from BullMQ's own events (job ids carry the interval's time).
 */
const EVERY_MS = 10_000;
const FLOWS = 10;
const SLOTS = Number(process.env.KDR_HAW_SLOTS ?? 30); // 30: 5 minutes
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('two workers, ten flows (issue 15)', () => {
  it(
    'every flow’s lag check runs exactly once per interval over 5 minutes',
    async () => {
      const base = sandboxConfig();
      const dir = mkdtempSync(join(tmpdir(), 'kdr-haw-'));
      const prefix = unique('kdr-haw');
      const file = join(dir, 'kdr.json');
      const flows = Array.from({ length: FLOWS }, (_, i) => ({
        name: `haw-${i}`,
        source: 'primary',
        target: 'dr',
        replicationPolicy: { type: 'default', separator: '.' },
        // no topic or group of these flows exists: a check is quick, and still a whole check
        topics: `haw-none-${i}-.*`,
        groups: `haw-none-${i}-.*`,
        mm2: {
          mode: 'connect',
          connectors: {
            source: 'primary->dr.MirrorSourceConnector',
            checkpoint: 'primary->dr.MirrorCheckpointConnector',
          },
        },
        rpo: '60s',
        lagCheck: { every: `${EVERY_MS}ms` },
        driftCheck: { every: 'off' },
        exactProof: { every: 'off' },
      }));
      writeFileSync(
        file,
        JSON.stringify({
          clusters: {
            primary: { bootstrap: base.clusters.primary!.bootstrap },
            dr: { bootstrap: base.clusters.dr!.bootstrap, connect: { url: base.clusters.dr!.connect!.url } },
          },
          flows,
          redis: { url: base.redis.url, prefix },
          worker: { metrics: { host: '127.0.0.1', port: 0 } },
          dataDir: join(dir, 'data'),
        }),
      );
      const token = `xoxb-test-${randomBytes(6).toString('hex')}`;
      const emulator = await new SlackEmulator({ tokens: [token] }).start();
      cleanups.push(() => emulator.stop());

      // every completed check, by flow and interval (scheduler job ids: repeat:<scheduler>:<interval ms>)
      const events = new QueueEvents(HEALTH_QUEUE, { connection: redisForWorker(base.redis), prefix });
      cleanups.push(() => events.close());
      await events.waitUntilReady();
      const done = new Map<string, number[]>();
      const seen: string[] = [];
      events.on('completed', ({ jobId }) => {
        seen.push(jobId);
        const m = /lag-check:(haw-\d+):(\d+)$/.exec(jobId);
        if (m) done.set(m[1]!, [...(done.get(m[1]!) ?? []), Number(m[2])]);
      });

      const errors: string[] = [];
      const workers: ChildProcess[] = [0, 1].map(() => {
        const w = spawn(process.execPath, [resolve(ROOT, 'bin/kdr.js'), 'worker', '--config', file], {
          env: {
            ...process.env,
            SLACK_BOT_TOKEN: token,
            SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
            SLACK_API_URL: emulator.apiUrl,
            KDR_METRICS_PORT: '0',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        w.stderr!.on('data', (d: Buffer) => void errors.push(d.toString()));
        cleanups.push(async () => w.kill('SIGKILL'));
        return w;
      });

      await eventually(`${SLOTS} intervals of every flow`, (SLOTS + 18) * EVERY_MS, async () =>
        flows.every((f) => (done.get(f.name)?.length ?? 0) >= SLOTS) ? true : undefined,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}; completed per flow: ${JSON.stringify(Object.fromEntries([...done].map(([k, v]) => [k, v.length])))}; events ${seen.length}; worker exits ${workers.map((w) => w.exitCode)}; stderr: ${errors.join('').slice(0, 2000)}`,
        );
      });
      expect(
        workers.map((w) => w.exitCode),
        `a worker exited: ${errors.join('').slice(0, 2000)}`,
      ).toEqual([null, null]);
      for (const f of flows) {
        const slots = [...done.get(f.name)!].sort((a, b) => a - b);
        // no interval twice
        expect(new Set(slots).size, `${f.name}: an interval ran twice`).toBe(slots.length);
        // none skipped: consecutive intervals, EVERY_MS apart
        const gaps = slots.slice(1).map((s, i) => s - slots[i]!);
        expect(
          gaps.filter((g) => g !== EVERY_MS),
          `${f.name}: intervals not ${EVERY_MS} ms apart`,
        ).toEqual([]);
      }
      console.log(
        `two workers, ${FLOWS} flows, a check every ${EVERY_MS / 1000} s: ${seen.length} checks, each flow's ${SLOTS}+ intervals once each`,
      );
    },
    10 * 60_000,
  );
});
