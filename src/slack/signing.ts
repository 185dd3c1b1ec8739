import { createHmac } from 'node:crypto';

/**
 * Slack's request signature (v0): `v0=` + hex HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`).
 * kdr never verifies with this (Bolt does); the emulator and the tests use it to send real signed requests.
 */
export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export function signedHeaders(
  signingSecret: string,
  rawBody: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, rawBody),
  };
}
