import { createLogger } from '../core/logger.js';
import { loadProcessSettings } from './load.js';
import { startRuntime, waitForSignal } from './runtime.js';

/**
 * `kdr bot [--with-worker]`: the Slack bot (Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise).
 * `kdr worker`: runs queued commands and posts their answers with the Web API.
 */
export async function runService(
  role: 'bot' | 'worker',
  argv: string[],
  configPath?: string,
): Promise<number> {
  const s = loadProcessSettings(argv, configPath);
  if (!s) return 2;
  const log = createLogger(process.env.KDR_LOG_LEVEL ?? 'info');
  const withBot = role === 'bot';
  const withWorker = role === 'worker' || Boolean(s.flags['with-worker']);
  // listen before starting: a SIGTERM that arrives during start-up stops the service once it has started
  const signalled = waitForSignal();
  const rt = await startRuntime({
    config: s.config,
    log,
    botToken: s.slack.SLACK_BOT_TOKEN,
    signingSecret: s.slack.SLACK_SIGNING_SECRET,
    appToken: s.slack.SLACK_APP_TOKEN,
    port: s.slack.PORT,
    slackApiUrl: s.slack.SLACK_API_URL,
    withBot,
    withWorker,
  });
  const mode = withBot ? { mode: s.slack.SLACK_APP_TOKEN ? 'socket' : 'http', port: s.slack.PORT } : {};
  log.info({ ...mode, worker: withWorker }, `kdr ${role} started`);
  const sig = await signalled;
  log.info({ sig }, 'shutting down');
  await rt.stop().catch(() => undefined);
  return 0;
}
