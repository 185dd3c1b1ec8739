import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { REGISTRY } from '../../commands/index.js';
import { type Config, loadConfig, NO_CONFIG, resolveConfigPath } from '../config/load.js';
import { dispatch, parseCommandLine } from '../core/dispatch.js';
import { asKdrError, USAGE_CODES } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { lazyPorts } from './ports.js';

/** Project root: two levels above dist/src/bin or src/bin. */
export const PROJECT_ROOT = resolve(
  import.meta.dirname,
  import.meta.dirname.includes('/dist/') ? '../../..' : '../..',
);

const PROCESS_COMMANDS: Record<string, (argv: string[], configPath?: string) => Promise<number>> = {
  // loaded on use: a one-shot command should not pay for Bolt, BullMQ and the emulator at start-up
  sandbox: async (argv) => (await import('./sandbox.js')).runSandbox(PROJECT_ROOT, argv),
  bot: async (argv, configPath) => (await import('./bot.js')).runService('bot', argv, configPath),
  worker: async (argv, configPath) => (await import('./bot.js')).runService('worker', argv, configPath),
  emulator: async (argv) => (await import('./emulator.js')).runEmulator(argv),
  demo: async (argv) => (await import('./demo.js')).runDemo(PROJECT_ROOT, argv),
};

/** `kdr <sub> [args]`. Exit codes: 0 the command did its job (even with bad news), 2 usage/config, 1 failure. */
export async function main(argv: string[]): Promise<number> {
  const { config: configFlag, rest } = splitConfigFlag(argv);
  const sub = rest[0];
  const processCommand = sub ? PROCESS_COMMANDS[sub] : undefined;
  if (processCommand) return processCommand(rest.slice(1), configFlag);
  const log = createLogger(process.env.KDR_LOG_LEVEL ?? 'error');
  const line = rest.join(' ');
  const parsed = parseCommandLine(REGISTRY, line);
  let config: Config;
  try {
    // Usage and help answer without a config file: they must work on a machine that has none yet.
    config =
      !parsed.ok || parsed.command.immediate
        ? NO_CONFIG
        : loadConfig(resolveConfigPath(configFlag, process.env), process.env);
  } catch (err) {
    const e = asKdrError(err);
    process.stderr.write(`kdr: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    return USAGE_CODES.has(e.code) ? 2 : 1;
  }
  const statuses =
    parsed.ok && parsed.command.name === 'lag'
      ? (await import('../health/group-status-reader.js')).openGroupStatusReader(
          config.redis,
          config.redis.prefix,
        )
      : undefined;
  const ports = lazyPorts(config, log);
  const outcome = await dispatch(REGISTRY, line, {
    config,
    log,
    caller: { transport: 'cli', userId: process.env.USER },
    confirm: confirmOnTerminal,
    ports: ports.get,
    runbook: ports.runbook,
    ...(statuses ? { groupStatus: statuses.groupStatus } : {}),
  }).finally(async () => {
    statuses?.close();
    await ports.close();
  });
  const json = rest.includes('--json');
  switch (outcome.kind) {
    case 'ok':
      process.stdout.write(json ? `${JSON.stringify(outcome.data, null, 2)}\n` : `${outcome.text}\n`);
      return REGISTRY.find(outcome.command)?.view.failed?.(outcome.data as never) ? 1 : 0;
    case 'usage':
      (outcome.error ? process.stderr : process.stdout).write(`${outcome.text}\n`);
      return outcome.error ? 2 : 0;
    case 'error':
      if (json)
        process.stdout.write(
          `${JSON.stringify({ error: { code: outcome.code, message: outcome.message, hint: outcome.hint, retriable: outcome.retriable } }, null, 2)}\n`,
        );
      process.stderr.write(`kdr: ${outcome.text}\n`);
      return USAGE_CODES.has(outcome.code) ? 2 : 1;
  }
}

/** Shows a plan on stderr and reads y/N from stdin (EOF or anything else: no). */
async function confirmOnTerminal(planText: string, prompt: string): Promise<boolean> {
  process.stderr.write(`${planText}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(`${prompt} [y/N] `, resolve);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `--config FILE` / `--config=FILE` may stand anywhere on the line. */
function splitConfigFlag(argv: string[]): { config?: string; rest: string[] } {
  const { values, tokens } = parseArgs({
    args: argv,
    options: { config: { type: 'string' } },
    strict: false,
    tokens: true,
    allowPositionals: true,
  });
  const drop = new Set<number>();
  for (const t of tokens ?? []) {
    if (t.kind === 'option' && t.name === 'config') {
      drop.add(t.index);
      if (t.inlineValue === false) drop.add(t.index + 1);
    }
  }
  return {
    config: typeof values.config === 'string' ? values.config : undefined,
    rest: argv.filter((_, i) => !drop.has(i)),
  };
}
