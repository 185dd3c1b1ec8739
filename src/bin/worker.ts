import { createLogger } from '../core/logger.js';
import { loadProcessSettings } from './load.js';
import { startRuntime, stopOnSignals } from './runtime.js';

/** `kdr worker`: runs queued commands and posts their answers with the Web API. */
export async function runWorker(argv: string[], configPath?: string): Promise<number> {
  const s = loadProcessSettings(argv, configPath);
  if (!s) return 2;
  const log = createLogger();
  const rt = await startRuntime({
    config: s.config,
    log,
    botToken: s.slack.SLACK_BOT_TOKEN,
    slackApiUrl: s.slack.SLACK_API_URL,
    withWorker: true,
  });
  log.info('kdr worker started');
  await stopOnSignals(rt, log);
  return 0;
}
