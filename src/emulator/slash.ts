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
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...signedHeaders(o.signingSecret, body, o.timestamp),
  };
  if (o.signatureOverride) headers['x-slack-signature'] = o.signatureOverride;
  const t0 = Date.now();
  const res = await fetch(o.appUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text(), ms: Date.now() - t0, responseId };
}
