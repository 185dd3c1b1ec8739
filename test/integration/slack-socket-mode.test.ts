import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findViolations } from '../../src/slack/block-limits.js';
import { eventually } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';

let rig: SlackRig;
beforeAll(async () => {
  rig = await startSlackRig({ socketMode: true });
  await eventually('the bot to open its Socket Mode connection', 15_000, async () =>
    rig.emulator.socketMode.connections > 0 ? true : undefined,
  );
});
afterAll(async () => {
  await rig?.stop();
});

describe('Socket Mode (SLACK_APP_TOKEN set): the same path over a WebSocket', () => {
  it('opened the connection with apps.connections.open and the app-level token', () => {
    const opens = rig.emulator.state.calls.filter((c) => c.method === 'apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens[0]!.response).toMatchObject({ ok: true });
  });

  it('acks a /kdr status envelope and the worker posts the status', async () => {
    const before = rig.emulator.state.calls.length;
    const ack = await rig.emulator.socketMode.push('slash_commands', slashPayload('status', 'C0SOCK'));
    expect(ack.acked).toBe(true);
    expect(JSON.stringify(ack.payload)).toContain('Running `/kdr status`');
    const call = await eventually('chat.postMessage', 30_000, async () =>
      rig.emulator.state.calls
        .slice(before)
        .find((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0SOCK'),
    );
    expect(String(call.args.text)).toMatch(/^kdr status: 2\/2 clusters reachable; primary-to-dr OK \(/m);
    expect(findViolations(JSON.parse(String(call.args.blocks)))).toEqual([]);
  });

  it('acks /kdr frobnicate with usage and posts nothing', async () => {
    const before = rig.emulator.state.calls.length;
    const ack = await rig.emulator.socketMode.push('slash_commands', slashPayload('frobnicate', 'C0SOCK2'));
    expect(ack.acked).toBe(true);
    expect(JSON.stringify(ack.payload)).toContain('unknown sub-command');
    await new Promise((r) => setTimeout(r, 500));
    expect(rig.emulator.state.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it('refuses apps.connections.open with a bot token, as Slack does', async () => {
    const res = await fetch(`${rig.emulator.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rig.botToken}` },
    });
    expect(await res.json()).toMatchObject({ ok: false, error: 'not_allowed_token_type' });
  });
});

function slashPayload(text: string, channel: string): Record<string, string> {
  return {
    command: '/kdr',
    text,
    user_id: 'U0ALICE',
    user_name: 'alice',
    channel_id: channel,
    channel_name: 'kdr-ops',
    team_id: 'T0KDR',
    team_domain: 'kdr-sandbox',
    api_app_id: 'A0KDR',
    response_url: `${rig.emulator.url}/response/sock`,
    trigger_id: '1.2',
  };
}
