import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../core/logger.js';
import { SlackEmulator } from '../emulator/server.js';
import { runEmulator } from './emulator.js';
import { startRuntime, waitForSignal } from './runtime.js';
import { runSandbox } from './sandbox.js';

/**
 * `npm run demo`: the embedded default. Real sandbox (two Kafka clusters, MM2 on Connect, Redis), the local
 * Slack Web API emulator, and the bot with its worker in-process. Sends one signed `/kdr status` through it,
 * then stays up for you to try more (`--once` exits after that first round).
 */
export async function runDemo(root: string, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { once: { type: 'boolean' }, port: { type: 'string' } },
    strict: true,
  });
  if ((await runSandbox(root, ['up'])) !== 0) return 1;
  const configPath = join(root, 'examples', 'sandbox.kdr.yaml');
  const config = loadConfig(configPath, process.env);
  const log = createLogger(process.env.KDR_LOG_LEVEL ?? 'warn');
  const botToken = `xoxb-demo-${randomBytes(8).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const port = Number(values.port ?? 3000);
  const emulator = await new SlackEmulator({ port: 3939, tokens: [botToken] }).start();
  emulator.configureApp(`http://127.0.0.1:${port}/slack/events`, signingSecret);
  const rt = await startRuntime({
    config,
    log,
    botToken,
    signingSecret,
    port,
    slackApiUrl: emulator.apiUrl,
    withBot: true,
    withWorker: true,
    prefix: 'kdr-demo',
  });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(
    `\nkdr bot on http://127.0.0.1:${port}/slack/events (HTTP mode), worker in-process, Slack emulator on ${emulator.url}`,
  );
  say("\nFirst round, a signed /kdr status through Slack's protocol:");
  await runEmulator(['slash', '--url', emulator.url, 'status']);
  say(`\nPlayground (open it in a browser): ${emulator.url}/playground`);
  say('  channels, the bot\'s messages, a /kdr box, Approve/Reject buttons, and "acting as" to switch users');
  say('\nTry it:');
  const tryIt: Array<[string, string]> = [
    ['node bin/kdr.js emulator slash "status"', '/kdr status, signed as Slack sends it'],
    ['node bin/kdr.js emulator slash "lag"', '/kdr lag: replication and consumer-group lag'],
    ['node bin/kdr.js emulator slash "frobnicate"', 'usage in the ack, no job'],
    [
      'node bin/kdr.js emulator slash "translate <group> --commit"',
      'a plan with Approve/Reject buttons (playground)',
    ],
    ['node bin/kdr.js status --config examples/sandbox.kdr.yaml', 'the same from a terminal (--json too)'],
    [`curl -s ${emulator.url}/_emulator/calls`, 'every Web API call the bot made'],
    [`curl -s ${rt.metricsUrl}/metrics`, "the worker's Prometheus metrics"],
    ['node bin/kdr.js sandbox status', 'the sandbox stays up after Ctrl-C (sandbox down stops it)'],
  ];
  const width = Math.max(...tryIt.map(([c]) => c.length));
  for (const [cmd, what] of tryIt) say(`  ${cmd.padEnd(width)}  # ${what}`);
  if (!values.once) {
    say('\nCtrl-C stops the bot, worker and emulator.');
    log.info({ sig: await waitForSignal() }, 'shutting down');
    await rt.stop();
  } else await rt.stop();
  await emulator.stop();
  return 0;
}
