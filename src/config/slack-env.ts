import { z } from 'zod';
import { KdrError } from '../core/errors.js';

/** Slack secrets come from the environment only, and only the bot needs them (the CLI needs none). */
const schema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'is not set' })
      .regex(/^xoxb-/, 'expected a bot token starting with xoxb-'),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, 'expected an app-level token starting with xapp-')
      .optional(),
    SLACK_API_URL: z.url().optional(),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  })
  .refine((e) => e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET, {
    path: ['SLACK_SIGNING_SECRET'],
    message: 'is not set (required in HTTP mode; set SLACK_APP_TOKEN instead for Socket Mode)',
  });

export type SlackEnv = z.infer<typeof schema>;

export function readSlackEnv(env: Record<string, string | undefined>): SlackEnv {
  const r = schema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new KdrError(
      'KDR_CONFIG_ENV',
      `Slack settings in the environment are invalid:\n${lines.join('\n')}`,
      {
        hint: 'see README "Installing into a workspace"; the demo (npm run demo) sets them for the local emulator',
      },
    );
  }
  return r.data;
}
