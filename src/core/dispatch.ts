import { randomUUID } from 'node:crypto';
import { parseCommandArgs, tokenize } from './args.js';
import type { AnyCommand, Block, CommandContext, Outcome } from './command.js';
import { asKdrError, type KdrError, REFUSAL_CODES, summarizeInternal } from './errors.js';
import type { Logger } from './logger.js';
import type { CommandRegistry } from './registry.js';

export type Parsed =
  | { ok: true; command: AnyCommand; args: unknown; json: boolean }
  | { ok: false; outcome: Outcome };

/** Pure and fast (no I/O): the bot uses it to answer bad input at once, before any job is enqueued. */
export function parseCommandLine(registry: CommandRegistry, text: string): Parsed {
  const [name, ...rest] = tokenize(text);
  if (!name) return { ok: false, outcome: usage(undefined, undefined, registry.usage()) };
  const command = registry.find(name);
  if (!command)
    return { ok: false, outcome: usage(undefined, `unknown sub-command "${name}"`, registry.usage()) };
  const parsed = parseCommandArgs(command, rest);
  if (!parsed.ok)
    return { ok: false, outcome: usage(command.name, parsed.error, registry.usage(command.name)) };
  return { ok: true, command, args: parsed.args, json: Boolean((parsed.args as { json?: boolean }).json) };
}

/** The one entry point shared by the CLI, the Slack bot's worker jobs and tests. Never throws. */
export async function dispatch(
  registry: CommandRegistry,
  text: string,
  ctx: CommandContext,
): Promise<Outcome> {
  const parsed = parseCommandLine(registry, text);
  if (!parsed.ok) return parsed.outcome;
  const { command, args } = parsed;
  const log = ctx.log.child({
    command: command.name,
    requestId: ctx.requestId ?? randomUUID(),
    transport: ctx.caller.transport,
    user: ctx.caller.userId,
  });
  const started = Date.now();
  try {
    const data = await command.run({ ...ctx, log, registry }, args);
    log.info({ ms: Date.now() - started }, 'command done');
    const attachment = command.view.attachment?.(data);
    return {
      kind: 'ok',
      command: command.name,
      data,
      text: command.view.text(data),
      blocks: command.view.blocks(data),
      summary: command.view.summary(data),
      ...(attachment ? { attachment } : {}),
    };
  } catch (err) {
    const e = internalForSlack(asKdrError(err), ctx.caller.transport, log, started);
    const text = `${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`;
    const refused = REFUSAL_CODES.has(e.code);
    const blocks: Block[] = [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: refused
            ? `:no_entry: *${command.name} refused* (${e.code}): nothing was changed\n${e.message}${e.hint ? `\n*what to do:* ${e.hint}` : ''}`
            : `:warning: *${command.name} failed* (${e.code})\n${text}`,
        },
      },
    ];
    return {
      kind: 'error',
      command: command.name,
      code: e.code,
      message: e.message,
      hint: e.hint,
      retriable: e.retriable,
      text,
      blocks,
      refused,
      summary: `kdr ${command.name} ${refused ? 'refused' : 'failed'}: ${e.message}`,
    };
  }
}

/** Logs the failure; outside the terminal, an internal error is summarised (see `summarizeInternal`). */
function internalForSlack(e: KdrError, transport: string, log: Logger, started: number): KdrError {
  // 'worker' runs commands typed in Slack: only the terminal shows an internal error whole
  const shown = transport === 'cli' ? { error: e } : summarizeInternal(e);
  log.warn({ code: e.code, err: e.message, ms: Date.now() - started, ...shown.detail }, 'command failed');
  return shown.error;
}

function usage(command: string | undefined, error: string | undefined, text: string): Outcome {
  const full = error ? `${error}\n\n${text}` : text;
  return {
    kind: 'usage',
    ...(command ? { command } : {}),
    ...(error ? { error } : {}),
    text: full,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${error ? `:x: ${error}\n` : ''}\`\`\`${text}\`\`\`` },
      },
    ],
    summary: error ?? 'kdr usage',
  };
}
