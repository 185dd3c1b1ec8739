import { parseArgs } from 'node:util';
import { ensureWritableDataDir } from '../config/data-dir.js';
import { type Config, loadConfig, resolveConfigPath } from '../config/load.js';
import { readSlackEnv, type SlackEnv } from '../config/slack-env.js';
import { asKdrError } from '../core/errors.js';

/** Config + Slack env for the long-running processes; prints the error and returns undefined when invalid. */
export function loadProcessSettings(
  argv: string[],
  configPath: string | undefined,
): { config: Config; slack: SlackEnv; flags: Record<string, unknown> } | undefined {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { 'with-worker': { type: 'boolean' } },
      strict: true,
    });
    const config = loadConfig(resolveConfigPath(configPath, process.env), process.env);
    ensureWritableDataDir(config.dataDir);
    return { config, slack: readSlackEnv(process.env), flags: values };
  } catch (err) {
    const e = asKdrError(err, 'KDR_USAGE');
    process.stderr.write(`kdr: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    return undefined;
  }
}
