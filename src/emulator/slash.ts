import { randomBytes } from 'node:crypto';
import { signedHeaders } from '../slack/signing.js';
import { EMULATOR_TEAM } from './methods.js';

export interface SlashOptions {
  appUrl: string;
  signingSecret: string;
  text: string;
  userId?: string;
  channelId?: string;
  responseUrlBase?: string;
  /** Override to test stale or forged requests. */
  timestamp?: number;
  signatureOverride?: string;
}

/** The form body Slack sends for `/kdr <text>`. */
export function slashCommandBody(o: SlashOptions): { body: string; responseId: string } {
  const responseId = randomBytes(8).toString('hex');
  const form = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: EMULATOR_TEAM.id,
    team_domain: EMULATOR_TEAM.name,
    channel_id: o.channelId ?? 'C0KDROPS',
    channel_name: 'kdr-ops',
    user_id: o.userId ?? 'U0ALICE',
    user_name: 'alice',
    command: '/kdr',
    text: o.text,
    api_app_id: 'A0KDR',
    is_enterprise_install: 'false',
    response_url: `${o.responseUrlBase ?? 'http://127.0.0.1:9/response'}/${responseId}`,
    trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
  });
  return { body: form.toString(), responseId };
}

/** Sends a correctly signed slash command to the app, as Slack does. */
export async function sendSlashCommand(
  o: SlashOptions,
): Promise<{ status: number; body: string; ms: number; responseId: string }> {
  const { body, responseId } = slashCommandBody(o);
  return { ...(await postSigned(o, body)), responseId };
}

export interface BlockActionOptions {
  appUrl: string;
  signingSecret: string;
  userId: string;
  channelId: string;
  /** The message carrying the button. */
  messageTs: string;
  actionId: string;
  value: string;
  responseUrlBase?: string;
  timestamp?: number;
  signatureOverride?: string;
}

/** The `block_actions` payload Slack sends when a user clicks a button in a message. */
export function blockActionPayload(
  o: Omit<BlockActionOptions, 'appUrl' | 'signingSecret'>,
): Record<string, unknown> {
  const responseId = randomBytes(8).toString('hex');
  return {
    type: 'block_actions',
    user: {
      id: o.userId,
      username: o.userId.toLowerCase(),
      name: o.userId.toLowerCase(),
      team_id: EMULATOR_TEAM.id,
    },
    api_app_id: 'A0KDR',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: o.messageTs, channel_id: o.channelId, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
    team: { id: EMULATOR_TEAM.id, domain: EMULATOR_TEAM.name },
    channel: { id: o.channelId, name: 'kdr' },
    message: { type: 'message', ts: o.messageTs, text: '', blocks: [] },
    response_url: `${o.responseUrlBase ?? 'http://127.0.0.1:9/response'}/${responseId}`,
    actions: [
      {
        action_id: o.actionId,
        block_id: 'kdr-approval',
        value: o.value,
        type: 'button',
        action_ts: String(Date.now() / 1000),
      },
    ],
    state: { values: {} },
  };
}

/** Sends a correctly signed button click (form field `payload`), as Slack does. */
export async function sendBlockAction(
  o: BlockActionOptions,
): Promise<{ status: number; body: string; ms: number }> {
  return postSigned(o, new URLSearchParams({ payload: JSON.stringify(blockActionPayload(o)) }).toString());
}

/** POSTs a form body to the app with Slack's signature headers (or a forged signature / old timestamp, for tests). */
async function postSigned(
  o: { appUrl: string; signingSecret: string; timestamp?: number; signatureOverride?: string },
  body: string,
): Promise<{ status: number; body: string; ms: number }> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...signedHeaders(o.signingSecret, body, o.timestamp),
  };
  if (o.signatureOverride) headers['x-slack-signature'] = o.signatureOverride;
  const t0 = Date.now();
  const res = await fetch(o.appUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text(), ms: Date.now() - t0 };
}
