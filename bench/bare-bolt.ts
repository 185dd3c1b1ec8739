/** The floor for bench/slash-load.ts: a Bolt app (HTTP receiver) whose /kdr handler only acknowledges. */
import { App, LogLevel } from '@slack/bolt';

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET!,
  port: Number(process.env.PORT),
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL! },
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => void res.end('ok') }],
});
app.command('/kdr', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
await app.start();
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(0));
