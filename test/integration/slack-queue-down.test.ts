import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/bin/runtime.js';
import { SlackEmulator } from '../../src/emulator/server.js';
import { sendSlashCommand } from '../../src/emulator/slash.js';
import { eventually, sandboxConfig, testLog, unique } from '../helpers/sandbox.js';
import { freePort } from '../helpers/slack.js';

describe('the job queue is down', () => {
  it('the command is acknowledged at once, then the user is told through response_url that it did not run', async () => {
    const botToken = `xoxb-test-${randomBytes(4).toString('hex')}`;
    const signingSecret = randomBytes(16).toString('hex');
    const emulator = await new SlackEmulator({ tokens: [botToken] }).start();
    const port = await freePort();
    const config = {
      ...sandboxConfig(),
      redis: { url: `redis://127.0.0.1:${await freePort()}`, prefix: unique('kdr-qd'), switchPatience: 2000 },
    };
    const rt = await startRuntime({
      config,
      log: testLog,
      botToken,
      signingSecret,
      port,
      slackApiUrl: emulator.apiUrl,
      withBot: true,
      prefix: unique('kdr-down'),
    });
    try {
      const r = await sendSlashCommand({
        appUrl: `http://127.0.0.1:${port}/slack/events`,
        signingSecret,
        text: 'status',
        responseUrlBase: `${emulator.url}/response`,
      });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).text).toMatch(/^Running `\/kdr status`/);
      const uses = await eventually('the failure on response_url', 15_000, async () =>
        emulator.state.responseUrlUses.get(r.responseId),
      );
      expect(JSON.stringify(uses)).toMatch(/was not run: could not queue the command/);
    } finally {
      await rt.stop();
      await emulator.stop();
    }
  });
});
