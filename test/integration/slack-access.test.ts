import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSlashCommand } from '../../src/emulator/slash.js';
import { runKdr } from '../helpers/cli.js';
import { sandboxConfig } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';

// the built-in defaults (no slack.access.default), plus one command for one person
const base = sandboxConfig();
const config = { ...base, slack: { ...base.slack!, access: { unlock: { users: ['U0ALICE'] } } } };
let rig: SlackRig;
beforeAll(async () => {
  rig = await startSlackRig({ config });
});
afterAll(async () => {
  await rig?.stop();
});

const slash = (text: string, channelId: string, userId = 'U0ALICE') =>
  sendSlashCommand({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    text,
    userId,
    channelId,
    responseUrlBase: `${rig.emulator.url}/response`,
  });
const jobCount = async () => Object.values(await rig.runtime.queue!.counts()).reduce((a, b) => a + b, 0);

describe('who may run what, where (signed slash commands to the running bot)', () => {
  it('a manifest is not made in a public channel: refused in the acknowledgement, naming where to run it; nothing queued', async () => {
    const jobs = await jobCount();
    const r = await slash('backup primary', 'C0PUBLIC');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('`/kdr backup` is not run in this channel');
    expect(body.text).toContain('run it in <#C0KDROPS>, <#C0KDRINC> or a direct message with kdr');
    expect(await jobCount()).toBe(jobs);
  });

  it('a command limited to named people refuses the others, saying who may', async () => {
    const jobs = await jobCount();
    const r = await slash('unlock', 'C0KDROPS', 'U0BOB');
    expect(JSON.parse(r.body).text).toContain('`/kdr unlock` is only for <@U0ALICE> (slack.access)');
    expect(await jobCount()).toBe(jobs);
  });

  it('the same command in the ops channel or a DM, and status anywhere, are run', async () => {
    for (const [text, channel] of [
      ['backups', 'C0KDROPS'],
      ['backups', 'D0ALICE'],
      ['status', 'C0PUBLIC'],
    ] as const) {
      const r = await slash(text, channel);
      expect(JSON.parse(r.body).text, `${text} in ${channel}`).toMatch(/^Running `\/kdr /);
    }
  });

  it('an access rule for a command that does not exist stops the bot at start-up, naming the field', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kdr-access-')), 'kdr.yaml');
    writeFileSync(
      file,
      `clusters:\n  a: { bootstrap: ["127.0.0.1:9"] }\nslack:\n  channels: { ops: C0OPS }\n  access: { frobnicate: { channels: [ops] } }\n`,
    );
    const r = await runKdr(['bot', '--config', file], {
      SLACK_BOT_TOKEN: 'xoxb-x',
      SLACK_SIGNING_SECRET: 's',
      KDR_DATA_DIR: join(tmpdir(), 'kdr-access-data'),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('slack.access.frobnicate');
  });
});
