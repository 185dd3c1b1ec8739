import { COMMANDS } from '../../commands/index.js';

/** The usage message: all sub-commands, or one in detail. Never a stack trace. */
export function usageText(sub?: string): string {
  const one = sub ? COMMANDS.find((c) => c.name === sub) : undefined;
  if (one) {
    return [
      `kdr ${one.usage}`,
      `  ${one.summary}${one.mutates ? ' (changes things: plan, approval, then execution)' : ''}`,
      '',
      'Examples:',
      ...one.examples.map((e) => `  /kdr ${e}`),
    ].join('\n');
  }
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    ...(sub ? [`unknown sub-command "${sub}"`, ''] : []),
    'Usage: /kdr <sub-command> [args]   (terminal: kdr <sub-command> [args])',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Read commands take --json. `/kdr help <sub-command>` shows examples.',
  ].join('\n');
}
