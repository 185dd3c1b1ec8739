import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../commands/index.js';
import { tokenize } from '../../src/core/args.js';
import { parseCommandLine } from '../../src/core/dispatch.js';

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
});
