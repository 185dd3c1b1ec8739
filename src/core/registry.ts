import type { AnyChange } from '../pipeline/change.js';
import type { AnyCommand } from './command.js';

/**
 * The sub-commands of this kdr, built by an entry point from commands/ and handed down: the dispatcher parses
 * with it, `help` prints it, and the worker's executor registry is built from the changes the commands declare.
 */
export class CommandRegistry {
  constructor(readonly commands: readonly AnyCommand[]) {}

  find(name: string): AnyCommand | undefined {
    return this.commands.find((c) => c.name === name);
  }

  /** Every change any command makes, by kind (what executes an approved plan). */
  changes(): Map<string, AnyChange> {
    const out = new Map<string, AnyChange>();
    for (const c of this.commands)
      for (const ch of c.changes ?? []) {
        if (out.has(ch.kind) && out.get(ch.kind) !== ch) throw new Error(`two changes of kind ${ch.kind}`);
        out.set(ch.kind, ch);
      }
    return out;
  }

  /** The usage message: all sub-commands, or one in detail. Never a stack trace. */
  usage(sub?: string): string {
    const one = sub ? this.find(sub) : undefined;
    if (one) {
      return [
        `kdr ${one.usage}`,
        `  ${one.summary}${one.mutates ? ' (changes things: plan, approval, then execution)' : ''}`,
        '',
        'Examples:',
        ...one.examples.map((e) => `  /kdr ${e}`),
      ].join('\n');
    }
    const width = Math.max(...this.commands.map((c) => c.usage.length));
    return [
      ...(sub ? [`unknown sub-command "${sub}"`, ''] : []),
      'Usage: /kdr <sub-command> [args]   (terminal: kdr <sub-command> [args])',
      '',
      ...this.commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
      '',
      'Read commands take --json. `/kdr help <sub-command>` shows examples.',
    ].join('\n');
  }
}
