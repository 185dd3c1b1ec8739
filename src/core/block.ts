/** Block Kit as plain JSON; kdr's own minimal type so that no Bolt/Slack type leaves src/slack/. */
export type Block = Record<string, unknown> & { type: string };
