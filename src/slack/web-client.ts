import { WebClient } from '@slack/web-api';

/**
 * The Web API client with an explicit, short retry policy: a DR bot must not deliver a message
 * twenty minutes late (web-api's default retries for about 30 minutes).
 */
export function createWebClient(token: string, slackApiUrl?: string): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 3000 },
    // kdr waits out a 429 itself, within a budget (SlackPoster): web-api alone would wait as long as Slack asks
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}
