import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../src/audit/open.js';
import { loadConfig } from '../../src/config/load.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { RunStore } from '../../src/runbook/run-store.js';
import {
  masterPort,
  pidOn,
  type RedisHa,
  reviveAsReplica,
  sentinelView,
  startRedisHa,
  stopRedisHa,
} from '../../src/sandbox/redis-ha.js';
import { approvalConfig } from '../helpers/approvals.js';
import { approveAll, failoverFlow, runMessageText, slash } from '../helpers/failover-fixture.js';
import { offsetCommitRecords } from '../helpers/offset-commits.js';
import { eventually, sandboxConfig, unique } from '../helpers/sandbox.js';
import { freePort, type SlackRig, startSlackRig } from '../helpers/slack.js';

/**
 * Issue 15's game day: a planned failover run through Slack with kdr on Redis behind sentinels, under a stream of
 * signed slash commands, and the Redis master SIGKILLed at five moments of the run (before the freeze approval,
 * before the fence approval, during the offsets execution, before the cutover confirmation, during verify); after
 * each kill the sentinels promote the replica and the dead one comes back as the new replica. Every command is
 * acknowledged in time; the run completes or stops for a person with the reason; no step and no group is executed
 * twice (the broker's own __consumer_offsets and the audit file sink, which keeps what Redis may have lost); the
 * audit trail verifies or names the gap.
 */
const dir = mkdtempSync(join(tmpdir(), 'kdr-rhf-'));
const base = sandboxConfig();
let ha: RedisHa | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  if (ha) await stopRedisHa(ha);
});

describe('Redis master killed five times during a failover run (issue 15)', () => {
  it('acks in time, the run completes (or stops for a person), nothing executed twice, the trail verifies or names its gap', async () => {
    ha = await startRedisHa(join(dir, 'redis'), {
      master: await freePort(),
      replica: await freePort(),
      sentinels: [await freePort(), await freePort(), await freePort()],
    });
    const h = ha;
    const f = await failoverFlow(dir, 5, cleanups);
    const prefix = unique('kdr-rhf');
    const loaded = approvalConfig(
      600_000,
      loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: prefix, KDR_CHANGE_PACE: '300ms' }),
    );
    const redisTarget = { sentinel: { ...h.sentinel, tls: false }, prefix, switchPatience: 30_000 };
    const config = { ...loaded, redis: redisTarget };
    const rig: SlackRig = await startSlackRig({ config, prefix });
    cleanups.push(() => rig.stop());

    // a stream of signed slash commands for the whole run, in channels of its own (Slack takes about one post a
    // second per channel: two channels keep the answers from queueing behind that limit)
    const STREAM = ['C0FOST1', 'C0FOST2'];
    const acks: number[] = [];
    const responseIds: string[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const r = await slash(rig, 'status', 'U0CAROL', STREAM[acks.length % STREAM.length]!);
        acks.push(r.status);
        responseIds.push(r.responseId);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    const kills: string[] = [];
    const labels: string[] = [];
    let pending: Promise<void> = Promise.resolve();
    const killNow = async (moment: string) => {
      const port = await masterPort(h);
      process.kill(pidOn(h, port), 'SIGKILL');
      kills.push(moment);
      await reviveAsReplica(h, port);
    };
    // one kill at a time: a kill waits for the scheduled ones before it (and a scheduled one never waits for itself)
    const kill = async (moment: string) => {
      await pending;
      await killNow(moment);
    };
    const later = (moment: string, ms: number) => {
      pending = pending.then(() => new Promise<void>((r) => setTimeout(r, ms)).then(() => killNow(moment)));
    };

    expect((await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS')).status).toBe(200);
    // an observer: its own (empty) mirror directory, so that reading never restores or stops a run itself
    const runs = new RunStore(await connectRedis(redisTarget), prefix, join(dir, 'observer-runs'));
    const current = async () => (await runs.list(5)).find((r) => r.flow === f.flow);
    const finished = async () => {
      const r = await current().catch(() => undefined);
      return Boolean(
        r &&
          (['completed', 'failed', 'aborted'].includes(r.state) ||
            (r.state === 'waiting' && r.waitingFor?.startsWith('a person: '))),
      );
    };
    await approveAll(
      rig,
      'C0FOINC',
      'U0BOB',
      finished,
      async (label) => {
        labels.push(label);
        if (label === 'Approve freeze') await kill('before the freeze approval');
        if (label === 'Approve fence') await kill('before the fence approval');
        // fault injection in time: the offsets step writes a group every 300 ms once approved
        if (label === 'Approve offsets' && !kills.includes('during offsets')) later('during offsets', 400);
        if (label.startsWith('Confirm') && !kills.includes('before the cutover confirmation')) {
          await kill('before the cutover confirmation');
          later('during verify', 1500);
        }
      },
      420_000,
    ).catch(async (err: Error) => {
      // what the run, the Redis pair and the run message looked like when it stopped moving
      const r = await current().catch((e: Error) => e.message);
      const view = await sentinelView(h).catch((e: Error) => e.message);
      console.error(
        `game day stalled after kills [${kills.join('; ')}], buttons seen [${labels.join(', ')}]; sentinels: ${JSON.stringify(view)}; run: ${JSON.stringify(r)}; run message: ${runMessageText(rig, 'C0FOINC').slice(-1500)}`,
      );
      throw err;
    });
    await pending;
    streaming = false;
    await stream;

    // the observer's own connection fails fast: read again while it follows the last switch
    const run = await eventually('the run read after the last switch', 60_000, async () =>
      current().catch(() => undefined),
    );
    console.log(
      `redis-ha failover: master killed ${kills.length}× (${kills.join('; ')}); run ${run.run} ${run.state}${run.waitingFor ? ` (${run.waitingFor})` : ''}; ${acks.length} slash commands, acks ${[...new Set(acks)].join(',')}; problems: ${run.problems.join(' | ') || 'none'}`,
    );
    expect(kills).toHaveLength(5);
    expect(acks.every((s) => s === 200)).toBe(true);
    // every acknowledged command is answered in the channel or, when Redis stayed away longer than
    // redis.switchPatience, told through its response_url that it was not run: none is lost, none answered twice
    const answered = () =>
      rig.emulator.state.calls.filter(
        (c) => c.method === 'chat.postMessage' && STREAM.includes(String(c.args.channel)) && c.response.ok,
      ).length;
    const notRun = () =>
      responseIds.filter((id) =>
        JSON.stringify(rig.emulator.state.responseUrlUses.get(id) ?? []).includes('was not run'),
      ).length;
    await eventually('every command answered or told it was not run', 90_000, async () =>
      answered() + notRun() >= acks.length ? true : undefined,
    );
    expect(answered() + notRun()).toBe(acks.length);
    console.log(`slash commands during the game day: ${answered()} answered, ${notRun()} told "not run"`);
    if (run.state !== 'completed') {
      expect(run.state).toBe('waiting');
      expect(run.waitingFor).toMatch(/^a person: /);
    }

    // no group written twice: the broker's own record (one record per partition per OffsetCommit)
    const records = await offsetCommitRecords(base, 'dr', f.groups);
    expect(
      [...records.values()].every((n) => n <= 2),
      JSON.stringify([...records]),
    ).toBe(true);
    if (run.state === 'completed') expect([...records.values()].every((n) => n === 2)).toBe(true);

    // no step executed twice: the file sink keeps every entry, also those a master switch took from Redis
    const file = join(loaded.dataDir, 'audit.jsonl');
    expect(existsSync(file)).toBe(true);
    const executed = new Map<string, number>();
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const body = JSON.parse(JSON.parse(line).body) as {
        action: string;
        outcome: string;
        planId?: string;
      };
      if (body.action.startsWith('run.step.') && body.outcome.startsWith('done'))
        executed.set(body.action, (executed.get(body.action) ?? 0) + 1);
    }
    expect([...executed].filter(([, n]) => n > 1)).toEqual([]);

    // the trail in Redis verifies, or names where it breaks
    const redis = await connectRedis(redisTarget);
    try {
      const trail = await openAuditLog(redis, config).read();
      // a master switch can only take entries away (never edit one): a trail that does not verify must name where
      // entries went missing
      if (!trail.verified) {
        expect(trail.brokenAt).toMatch(/^(\d+-\d+|\(start\))$/); // a stream entry id, or the start
        expect(trail.why).toMatch(/entries were removed|an entry was removed/);
      }
      console.log(
        `audit trail after ${kills.length} master kills: ${trail.verified ? 'verifies' : `breaks at ${trail.brokenAt}: ${trail.why}`} (${trail.total} entries)`,
      );
    } finally {
      redis.disconnect();
    }
  }, 600_000);
});
