import type { Config } from '../../src/config/load.js';
import { blockActionPayload, sendBlockAction, sendSlashCommand } from '../../src/emulator/slash.js';
import { eventually, sandboxConfig } from './sandbox.js';
import type { SlackRig } from './slack.js';

/** The sandbox config with approvers U0ALICE, U0BOB and the user group S0DRLEADS (U0DAVE), short approval TTL. */
export function approvalConfig(ttlMs = 8000, base: Config = sandboxConfig()): Config {
  const c = base;
  return {
    ...c,
    slack: {
      ...c.slack!,
      approvers: { users: ['U0ALICE', 'U0BOB'], usergroups: ['S0DRLEADS'] },
      twoPersonRule: true,
      approvalTtl: ttlMs,
    },
  };
}

export interface Posted {
  planId: string;
  ts: string;
  channel: string;
}

/** `/kdr translate <group> --commit` from `user`, over HTTP or Socket Mode; resolves with the approval message. */
export function askCommit(rig: SlackRig, group: string, channel: string, user = 'U0ALICE', socket = false) {
  return askPlan(rig, `translate ${group} --commit`, channel, user, socket);
}

/** Any mutating `/kdr <text>` from `user`; resolves with the approval message (the first top-level one in `channel`). */
export async function askPlan(
  rig: SlackRig,
  text: string,
  channel: string,
  user = 'U0ALICE',
  socket = false,
): Promise<Posted> {
  if (socket) {
    await rig.emulator.socketMode.push('slash_commands', {
      command: '/kdr',
      text,
      user_id: user,
      channel_id: channel,
      team_id: 'T0KDR',
      response_url: `${rig.emulator.url}/response/x${Date.now()}`,
      trigger_id: '1.2',
      api_app_id: 'A0KDR',
    });
  } else {
    const r = await sendSlashCommand({
      appUrl: rig.appUrl,
      signingSecret: rig.signingSecret,
      text,
      userId: user,
      channelId: channel,
      responseUrlBase: `${rig.emulator.url}/response`,
    });
    if (r.status !== 200) throw new Error(`slash answered ${r.status}`);
  }
  return eventually('the approval message', 60_000, async () => {
    const m = rig.emulator.state.messages.find((x) => x.channel === channel && !x.threadTs && !x.ephemeralTo);
    if (!m) return undefined;
    const actions = (m.blocks as Array<{ type: string; elements?: Array<{ value?: string }> }>).find(
      (b) => b.type === 'actions',
    );
    if (!actions) throw new Error(`no buttons in the message: ${JSON.stringify(m.text)}`);
    return { planId: actions.elements![0]!.value!, ts: m.ts, channel };
  });
}

export function click(rig: SlackRig, p: Posted, user: string, action: 'approve' | 'reject' = 'approve') {
  return sendBlockAction({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    userId: user,
    channelId: p.channel,
    messageTs: p.ts,
    actionId: action === 'approve' ? 'kdr_approve' : 'kdr_reject',
    value: p.planId,
    responseUrlBase: `${rig.emulator.url}/response`,
  });
}

/** The same click as an `interactive` envelope over Socket Mode. */
export function socketClick(rig: SlackRig, p: Posted, user: string) {
  return rig.emulator.socketMode.push(
    'interactive',
    blockActionPayload({
      userId: user,
      channelId: p.channel,
      messageTs: p.ts,
      actionId: 'kdr_approve',
      value: p.planId,
    }),
  );
}

/** The approval message as it stands now (after chat.update). */
export const messageText = (rig: SlackRig, p: Posted) =>
  JSON.stringify(
    rig.emulator.state.messages.find((m) => m.channel === p.channel && m.ts === p.ts)?.blocks ?? [],
  );

export const ephemeralsTo = (rig: SlackRig, user: string, channel: string) =>
  rig.emulator.state.messages
    .filter((m) => m.ephemeralTo === user && m.channel === channel)
    .map((m) => m.text);

export const threadOf = (rig: SlackRig, p: Posted) =>
  rig.emulator.state.messages
    .filter((m) => m.channel === p.channel && m.threadTs === p.ts)
    .map((m) => m.text);
