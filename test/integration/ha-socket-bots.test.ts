import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SlackEmulator } from '../../src/emulator/server.js';
import { eventually, ROOT, SANDBOX_CONFIG, unique } from '../helpers/sandbox.js';

/**
 * Issue 15, part 3, the deployment of deploy/compose.ha.yaml: two `kdr bot`s in Socket Mode (each holds its own
 * connection; Slack spreads envelopes over them) and a worker. Slash commands go to both; one bot is SIGKILLed;
 * once its connection is gone every command goes to the other: each acknowledged and answered exactly once.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('two Socket Mode bots, one killed (issue 15)', () => {
  it('every command acknowledged and answered once, by whichever bot holds a connection', async () => {
    const botToken = `xoxb-test-${randomBytes(6).toString('hex')}`;
    const emulator = await new SlackEmulator({ tokens: [botToken] }).start();
    cleanups.push(() => emulator.stop());
    const dir = mkdtempSync(join(tmpdir(), 'kdr-hsb-'));
    const prefix = unique('kdr-hsb');
    const start = (role: 'bot' | 'worker', name: string): ChildProcess => {
      const p = spawn(process.execPath, [resolve(ROOT, 'bin/kdr.js'), role, '--config', SANDBOX_CONFIG], {
        env: {
          ...process.env,
          SLACK_BOT_TOKEN: botToken,
          SLACK_APP_TOKEN: `xapp-test-${randomBytes(6).toString('hex')}`,
          SLACK_API_URL: emulator.apiUrl,
          KDR_QUEUE_PREFIX: prefix,
          KDR_METRICS_PORT: '0',
          KDR_DATA_DIR: mkdtempSync(join(dir, `${name}-`)),
        },
        stdio: 'ignore',
      });
      cleanups.push(async () => p.kill('SIGKILL'));
      return p;
    };
    const bots = [start('bot', 'bot0'), start('bot', 'bot1')];
    start('worker', 'worker');
    await eventually('two Socket Mode connections', 60_000, async () =>
      emulator.socketMode.connections === 2 ? true : undefined,
    );

    const answers = () =>
      emulator.state.calls.filter(
        (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0HSB' && c.response.ok,
      ).length;
    const acks: boolean[] = [];
    const send = async (i: number) => {
      const ack = await emulator.socketMode.push('slash_commands', {
        command: '/kdr',
        text: 'status',
        user_id: 'U0CAROL',
        channel_id: 'C0HSB',
        team_id: 'T0KDR',
        response_url: `${emulator.url}/response/hsb${i}-${Date.now()}`,
        trigger_id: '1.2',
        api_app_id: 'A0KDR',
      });
      acks.push(ack.acked);
    };
    for (let i = 0; i < 10; i++) await send(i);
    bots[0]!.kill('SIGKILL');
    await eventually('the killed bot’s connection gone', 30_000, async () =>
      emulator.socketMode.connections === 1 ? true : undefined,
    );
    for (let i = 10; i < 20; i++) await send(i);
    await eventually('every command answered', 90_000, async () => (answers() >= 20 ? true : undefined));

    expect(acks).toEqual(Array(20).fill(true));
    expect(answers()).toBe(20);
    console.log(
      `two Socket Mode bots: 10 commands over both, bot 0 SIGKILLed, 10 more over the other: ${acks.filter(Boolean).length}/20 acknowledged, ${answers()} answers`,
    );
  }, 240_000);
});
