import { KdrError } from '../core/errors.js';

/** The Slack error behind a failed post (`not_in_channel`, `ratelimited`, an HTTP status), when there is one. */
export function slackErrorOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause ?? err;
  const c = cause as { data?: { error?: string }; code?: string; statusCode?: number; message?: string };
  if (c.data?.error) return c.data.error;
  if (c.statusCode) return `HTTP ${c.statusCode}`;
  if (c.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  return c.code ?? c.message ?? 'unknown';
}

/** Why a command's answer could not be posted in its channel, and what the person can do, in one sentence. */
export function undeliveredReason(slackError: string): string {
  switch (slackError) {
    case 'not_in_channel':
    case 'channel_not_found':
      return 'kdr is not in this channel: invite it (`/invite @kdr`) or run the command in a channel kdr is in';
    case 'is_archived':
      return 'this channel is archived: run the command in another channel';
    case 'msg_too_long':
    case 'msg_blocks_too_long':
    case 'invalid_blocks':
      return 'the answer is too long for one Slack message: its summary is below, the terminal `kdr` shows it whole';
    case 'ratelimited':
      return 'Slack is rate-limiting kdr in this channel: the summary is below; try again in a minute';
    default:
      return `Slack did not take the post (${slackError}): the summary is below; try again shortly`;
  }
}

/**
 * Posts to a slash command's response_url (ephemeral to the person who typed it). Throws when Slack refuses: the
 * caller then has nothing left but its log.
 */
export async function postToResponseUrl(url: string, text: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: text.slice(0, 3000) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok)
    throw new KdrError('KDR_SLACK_API', `response_url answered ${res.status}`, {
      hint: 'it expires after 30 minutes and 5 uses',
    });
}
