import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REGISTRY } from '../../commands/index.js';
import { tokenize } from '../../src/core/args.js';
import type { AnyCommand } from '../../src/core/command.js';
import { dispatch, parseCommandLine } from '../../src/core/dispatch.js';
import { createLogger } from '../../src/core/logger.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { summary } from '../../src/mm2/connect-rest.js';

describe('command parsing', () => {
  it('tokenizes with quotes', () => {
    expect(tokenize(`status "my flow" --json`)).toEqual(['status', 'my flow', '--json']);
  });

  it('answers an unknown sub-command with usage, never a stack trace', () => {
    const p = parseCommandLine(REGISTRY, 'frobnicate now');
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.outcome.kind).toBe('usage');
      expect(p.outcome.text).toContain('unknown sub-command "frobnicate"');
      expect(p.outcome.text).toContain('status [flow] [--json]');
    }
  });

  it('answers an empty line with usage and no error', () => {
    const p = parseCommandLine(REGISTRY, '   ');
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.outcome).toMatchObject({ kind: 'usage' });
    if (!p.ok) expect(p.outcome.kind === 'usage' && p.outcome.error).toBeFalsy();
  });

  it('names malformed flags and extra arguments', () => {
    const flag = parseCommandLine(REGISTRY, 'status --bogus');
    expect(!flag.ok && flag.outcome.text).toContain("unknown flag '--bogus'");
    const extra = parseCommandLine(REGISTRY, 'status a b');
    expect(!extra.ok && extra.outcome.text).toContain('arguments: expected at most one flow name');
  });

  it('parses a valid status line', () => {
    const p = parseCommandLine(REGISTRY, 'status primary-to-dr --json');
    expect(p.ok && p.command.name).toBe('status');
    expect(p.ok && p.json).toBe(true);
  });

  it('an internal error reaches Slack as a reference to the log, never its message; the terminal sees it whole', async () => {
    const boom = {
      name: 'boom',
      summary: 'fails',
      usage: 'boom',
      examples: [],
      options: {},
      args: z.object({ positionals: z.array(z.string()).max(0) }).passthrough(),
      run: async () => {
        const o: { x?: { y: string } } = {};
        return o.x!.y; // a TypeError: kdr's internals
      },
      view: { text: () => '', summary: () => '', blocks: () => [] },
    } as unknown as AnyCommand;
    const registry = new CommandRegistry([boom]);
    const ctx = (transport: 'slack' | 'cli') => ({
      config: {} as never,
      log: createLogger('silent'),
      caller: { transport, userId: 'U0X' },
    });
    const slack = await dispatch(registry, 'boom', ctx('slack') as never);
    expect(slack.text).toMatch(/^kdr hit an internal error \(reference [0-9a-f]{8}\)/);
    expect(JSON.stringify(slack)).not.toContain('Cannot read properties');
    const cli = await dispatch(registry, 'boom', ctx('cli') as never);
    expect(cli.text).toContain('Cannot read properties of undefined');
  });

  it('a Java trace from Connect is cut to its first line, at most 300 characters', () => {
    const trace = `org.apache.kafka.connect.errors.ConnectException: ${'x'.repeat(400)}\n\tat org.apache.kafka.connect.runtime.WorkerSourceTask.execute(WorkerSourceTask.java:1)`;
    const s = summary(trace);
    expect(s).not.toContain('\tat ');
    expect(s.length).toBeLessThanOrEqual(300);
    expect(s.startsWith('org.apache.kafka.connect.errors.ConnectException: xxx')).toBe(true);
  });
});
