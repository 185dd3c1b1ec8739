import { parseArgs } from 'node:util';
import type { AnyCommand } from './command.js';

/** Splits a command line the way a shell would for simple cases: whitespace, with '…' and "…" quoting. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

export type ParsedArgs = { ok: true; args: unknown } | { ok: false; error: string };

/** Flags every read command takes. */
export const COMMON_OPTIONS = { json: { type: 'boolean' as const } };

export function parseCommandArgs(cmd: AnyCommand, argv: string[]): ParsedArgs {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return { ok: false, error: cleanParseError((err as Error).message) };
  }
  const result = cmd.args.safeParse({ ...parsed.values, positionals: parsed.positionals });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length
      ? issue.path[0] === 'positionals'
        ? 'arguments'
        : `--${String(issue.path[0])}`
      : 'arguments';
    return { ok: false, error: `${where}: ${issue.message}` };
  }
  return { ok: true, args: result.data };
}

function cleanParseError(message: string): string {
  return message
    .replace(/\. To specify a positional argument starting with a '-'.*$/s, '')
    .replace(/^Unknown option/, 'unknown flag');
}
