import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sendSlashCommand } from '../../src/emulator/slash.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { type RedisHa, sentinelView, startRedisHa, stopRedisHa } from '../../src/sandbox/redis-ha.js';
import { eventually, sandboxConfig, unique } from '../helpers/sandbox.js';
import { freePort, type SlackRig, startSlackRig } from '../helpers/slack.js';

/**
 * Issue 15, part 1: kdr on Redis as production runs it (a master, a replica, three sentinels; Debian's
 * redis-server). Under a stream of signed slash commands the master is SIGKILLed: the sentinels promote the
 * replica, the bot acknowledges every command in time (Bolt's 3 s watchdog answers 404 otherwise), and the bot
 * and worker follow the new master: every command is answered (those sent during the switch too), each once.
 */
let ha: RedisHa | undefined;
let rig: SlackRig | undefined;
afterAll(async () => {
  await rig?.stop().catch(() => undefined);
  if (ha) await stopRedisHa(ha);
});

describe('Redis behind sentinels (issue 15)', () => {
  it('the master SIGKILLed under slash commands: every command acknowledged, answers resume on the promoted replica', async () => {
    ha = await startRedisHa(mkdtempSync(join(tmpdir(), 'kdr-rha-')), {
      master: await freePort(),
      replica: await freePort(),
      sentinels: [await freePort(), await freePort(), await freePort()],
    });
    const prefix = unique('kdr-rha');
    const base = sandboxConfig();
    const config = {
      ...base,
      redis: { sentinel: { ...ha.sentinel, tls: false }, prefix, switchPatience: 30_000 },
    };
    rig = await startSlackRig({ config, prefix });
    const r = rig;
    const answers = () =>
      r.emulator.state.calls.filter(
        (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0RHA' && c.response.ok,
      ).length;
    const send = () =>
      sendSlashCommand({
        appUrl: r.appUrl,
        signingSecret: r.signingSecret,
        text: 'status',
        userId: 'U0ALICE',
        channelId: 'C0RHA',
        responseUrlBase: `${r.emulator.url}/response`,
      });

    // through the sentinels' master: answered
    expect((await send()).status).toBe(200);
    await eventually('the first answer', 30_000, async () => (answers() === 1 ? true : undefined));

    // the master dies; commands keep coming while the sentinels promote the replica
    const oldMaster = (await sentinelView(ha)).master;
    process.kill(ha.pids.master, 'SIGKILL');
    const acks: number[] = [];
    let sent = 1;
    await eventually('the replica promoted', 60_000, async () => {
      acks.push((await send()).status);
      sent++;
      const m = (await sentinelView(ha!)).master;
      return m && m !== oldMaster ? m : undefined;
    });
    expect(
      acks.every((s) => s === 200),
      `acks during the switch: ${acks.join(',')}`,
    ).toBe(true);

    // after the switch: every new command is answered, once
    const before = answers();
    for (let i = 0; i < 3; i++) {
      const a = await send();
      sent++;
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body).text).toMatch(/^Running `\/kdr status`/);
    }
    await eventually('the three answers after the switch', 60_000, async () =>
      answers() >= before + 3 ? true : undefined,
    );
    // none answered twice: no more answers than commands, once the queue is empty
    const redis = await connectRedis({ sentinel: { ...ha.sentinel, tls: false } });
    try {
      expect(await redis.info('replication')).toContain('role:master');
    } finally {
      redis.disconnect();
    }
    // every command acknowledged during the switch was kept until Redis took it (redis.switchPatience): each one is
    // answered, none twice
    await eventually('every command answered', 90_000, async () => (answers() >= sent ? true : undefined));
    expect(answers()).toBe(sent);
    console.log(
      `redis-ha: master ${oldMaster} killed; ${acks.length} command(s) during the switch all acknowledged (200); ${answers()} answer(s) for ${sent} command(s)`,
    );
  }, 180_000);
});
