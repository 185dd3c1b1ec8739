import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { PlanStore } from '../../src/approval/plan-store.js';
import { loadConfig } from '../../src/config/load.js';
import { SlackEmulator } from '../../src/emulator/server.js';
import { sendSlashCommand } from '../../src/emulator/slash.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ResourceLocks } from '../../src/locks/resource-lock.js';
import { COMMAND_QUEUE } from '../../src/queue/jobs.js';
import { askPlan, click, messageText } from '../helpers/approvals.js';
import { trailOf } from '../helpers/audit.js';
import { deleteGroupsOf } from '../helpers/failover-fixture.js';
import { startLoadBalancer } from '../helpers/load-balancer.js';
import { offsetCommitRecords } from '../helpers/offset-commits.js';
import { withRedis as withRedisOn } from '../helpers/redis.js';
import { eventually, ROOT, SANDBOX_CONFIG, unique } from '../helpers/sandbox.js';
import { freePort, type SlackRig } from '../helpers/slack.js';
import { checkpointedGroups } from '../helpers/translate-fixture.js';

/**
 * Issue 15, part 3: a deployment of two bots behind a load balancer and two workers, sharing one Redis. Under a
 * stream of signed slash commands, an approved `translate --all --commit` of 50 groups runs; in its middle the
 * worker executing it is SIGKILLed, and so is one of the bots. The other worker finishes the plan (each group written
 * once, one execution entry, the lock free without anyone breaking it); the other bot answers every request (the
 * balancer moves on from a refused connection), and every command is answered exactly once.
 */
const N = 50;
const tag = unique('h2');
const groups = Array.from({ length: N }, (_, i) => `${tag}-${i}`);
const dir = mkdtempSync(join(tmpdir(), 'kdr-h2-'));
const base = loadConfig(SANDBOX_CONFIG, process.env);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Each process logs to its own file (warnings up), read back when the test fails. */
const logs: string[] = [];
function kdr(role: 'bot' | 'worker', configFile: string, env: Record<string, string>): ChildProcess {
  const file = join(dir, `${role}-${logs.length}.log`);
  logs.push(file);
  const fd = openSync(file, 'a');
  const p = spawn(process.execPath, [resolve(ROOT, 'bin/kdr.js'), role, '--config', configFile], {
    env: {
      ...process.env,
      KDR_METRICS_PORT: '0',
      KDR_LOG_LEVEL: process.env.KDR_TEST_PROC_LOG ?? 'info',
      ...env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  cleanups.push(async () => p.kill('SIGKILL'));
  return p;
}

const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;

const withRedis = <T>(f: (r: Redis) => Promise<T>) => withRedisOn(base.redis.url!, f);

describe('two bots, two workers, one of each killed (issue 15)', () => {
  it('the other bot answers every command once; the other worker finishes the plan: each group once, lock free', async () => {
    const flow = base.flows[0]!;
    // the sandbox's own MM2 flow checkpoints every group on primary: these 50 must not slow it for later tests
    cleanups.push(() => deleteGroupsOf(base.clusters.primary!.bootstrap[0]!, `${tag}-`));
    const expected = (await checkpointedGroups(base, flow, unique('h2-t'), 2, 10, groups, 2)).offsets;
    const configFile = join(dir, 'kdr.yaml');
    writeFileSync(
      configFile,
      readFileSync(SANDBOX_CONFIG, 'utf8').replace('groups: ".*"', `groups: "${tag}-.*"`),
    );

    const botToken = `xoxb-test-${randomBytes(6).toString('hex')}`;
    const signingSecret = randomBytes(16).toString('hex');
    const emulator = await new SlackEmulator({ tokens: [botToken] }).start();
    cleanups.push(() => emulator.stop());
    const prefix = unique('kdr-h2');
    const env = (name: string, extra: Record<string, string> = {}) => ({
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: emulator.apiUrl,
      KDR_QUEUE_PREFIX: prefix,
      // each process its own data dir, as each pod its own volume
      KDR_DATA_DIR: mkdtempSync(join(dir, `${name}-`)),
      ...extra,
    });
    const ports = [await freePort(), await freePort()];
    const bots = ports.map((port, i) => kdr('bot', configFile, env(`bot${i}`, { PORT: String(port) })));
    for (const port of ports)
      await eventually(`bot on ${port}`, 60_000, async () =>
        (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok ? true : undefined,
      );
    const lb = await startLoadBalancer(ports);
    cleanups.push(() => lb.stop());
    const appUrl = `${lb.url}/slack/events`;
    emulator.configureApp(appUrl, signingSecret);
    const workers = [0, 1].map((i) =>
      kdr('worker', configFile, env(`worker${i}`, { KDR_CHANGE_PACE: '250ms' })),
    );
    const rig = { emulator, appUrl, signingSecret, botToken, prefix } as SlackRig;

    // a stream of signed slash commands through the balancer for the whole test, about three a second: spread over
    // three channels, since Slack (and the emulator) take about one post a second per channel, and answers to one
    // channel at three a second would queue behind that limit, not behind anything this test is about
    const OPS = ['C0H2OPS', 'C0H2OPS2', 'C0H2OPS3'];
    const acks: number[] = [];
    let streaming = true;
    // the bot dies between two requests of the stream (a SIGKILL during one would cut that request off at the
    // HTTP level, which no balancer can repair); the next requests find its port refused
    let killBot: (() => Promise<void>) | undefined;
    const stream = (async () => {
      while (streaming) {
        await killBot?.();
        killBot = undefined;
        const r = await sendSlashCommand({
          appUrl,
          signingSecret,
          text: 'status',
          userId: 'U0CAROL',
          channelId: OPS[acks.length % OPS.length]!,
          responseUrlBase: `${emulator.url}/response`,
        });
        acks.push(r.status);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    const answers = () =>
      emulator.state.calls.filter(
        (c) => c.method === 'chat.postMessage' && OPS.includes(String(c.args.channel)) && c.response.ok,
      ).length;
    await eventually('the stream answered', 60_000, async () => (answers() > 0 ? true : undefined));

    const p = await askPlan(rig, 'translate --all --commit', 'C0H2PLAN');
    await click(rig, p, 'U0BOB');
    const progress = (r: Redis) => r.hlen(`${prefix}:progress:${p.planId}`);
    // 10 groups written: kill the worker that holds the plan's lock, and one bot
    const killed = await withRedis((r) =>
      eventually('10 groups written', 90_000, async () => {
        if ((await progress(r)) < 10) return undefined;
        const holders = (await new ResourceLocks(r, prefix).list()).map((l) => l.holder.pid);
        const victim = workers.find((w) => holders.includes(w.pid!));
        if (!victim) return undefined;
        victim.kill('SIGKILL');
        // SIGKILL is delivered asynchronously: until the process is gone its listening socket still accepts, and a
        // request accepted there is cut (a 502 from any balancer); the next request is sent once it is gone
        killBot = async () => {
          const bot = bots[0]!;
          const gone = new Promise((r) => (exited(bot) ? r(null) : bot.on('close', r)));
          bot.kill('SIGKILL');
          await gone;
        };
        return victim;
      }),
    );
    await new Promise((r) => (exited(killed) ? r(null) : killed.on('close', r)));
    await new Promise((r) => (exited(bots[0]!) ? r(null) : bots[0]!.on('close', r)));
    const atKill = await withRedis(progress);
    expect(atKill, 'killed in the middle').toBeLessThan(N);

    await eventually('executed by the other worker', 120_000, async () =>
      messageText(rig, p).includes('Done:') ? true : undefined,
    );
    streaming = false;
    await stream;
    await eventually('every command answered', 90_000, async () =>
      answers() >= acks.length ? true : undefined,
    ).catch(async (err: Error) => {
      const counts = await withRedis(async (r) => {
        const q = new Queue(COMMAND_QUEUE, { connection: r, prefix });
        const active = (await q.getJobs(['active', 'waiting'])).map(
          (j) =>
            `${j.id?.slice(0, 8)} ${j.data.text} ${j.processedBy ?? '-'} since ${j.processedOn ? Date.now() - j.processedOn : '-'} ms`,
        );
        return { ...(await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')), active };
      }).catch((e: Error) => e.message);
      const tails = logs.map((f) => `${f}:\n${readFileSync(f, 'utf8').split('\n').slice(-25).join('\n')}`);
      console.error(
        `${answers()} answers for ${acks.length} commands (acks ${[...new Set(acks)].join(',')}); command queue ${JSON.stringify(counts)}\n${tails.join('\n')}`,
      );
      throw err;
    });

    // the bot: every request acknowledged, every command answered exactly once
    expect(
      acks.every((s) => s === 200),
      acks.join(','),
    ).toBe(true);
    expect(answers()).toBe(acks.length);
    // the worker: each group written exactly once (one OffsetCommit record per partition), the plan executed once
    const dr = new ClusterReader('dr', base.clusters.dr!);
    try {
      for (const g of groups)
        expect((await dr.groupOffsets(g)).map((c) => Number(c.offset)).sort((a, b) => a - b)).toEqual(
          [...expected].sort((a, b) => a - b),
        );
    } finally {
      await dr.close();
    }
    const records = await offsetCommitRecords(base, 'dr', groups);
    expect(
      [...records.values()].every((n) => n === 2),
      JSON.stringify([...records]),
    ).toBe(true);
    const plan = await withRedis((r) => new PlanStore(r, prefix).get(p.planId));
    expect(plan?.state).toBe('executed');
    const audit = await withRedis(async (r) => (await trailOf(r, prefix).read()).entries);
    const ofPlan = audit.filter((e) => e.planId === p.planId);
    expect(
      ofPlan.filter((e) => e.action === 'plan.execute' && e.outcome.startsWith('executed')),
    ).toHaveLength(1);
    expect(await withRedis((r) => new ResourceLocks(r, prefix).list())).toEqual([]);
    console.log(
      `two of each: worker pid ${killed.pid} and bot on ${ports[0]} SIGKILLed after ${atKill} of ${N} groups; the other worker finished (attempt ${plan?.attempts}); ${acks.length} slash commands, all acknowledged 200, ${answers()} answers; balancer: ${[...lb.served].map(([port, n]) => `${port}: ${n}`).join(', ')}`,
    );
  }, 600_000);
});
