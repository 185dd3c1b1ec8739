import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../commands/index.js';
import { parseConfig } from '../../src/config/load.js';
import { parseCommandLine } from '../../src/core/dispatch.js';
import { PATTERN_MAX, patternProblem, wholeName } from '../../src/core/pattern.js';
import { flowTopicFilter } from '../../src/health/flow-filters.js';

const EVIL = '([a-z]+.?)+!';
const NAME = 'orders-eu-west-1-payments-v2x'; // 29 characters: JavaScript's engine backtracks for tens of seconds

describe('topic and group patterns run in linear time', () => {
  it('a catastrophic pattern answers at once (backtracking engines take tens of seconds on one 29-character name)', () => {
    expect(NAME).toHaveLength(29);
    expect(wholeName(EVIL).test(NAME)).toBe(false);
    expect(wholeName(EVIL).test('abc!')).toBe(true);
    const flow = parseConfig(
      `clusters:
  a: { bootstrap: ["127.0.0.1:9"] }
  b: { bootstrap: ["127.0.0.1:9"], connect: { url: "http://127.0.0.1:9" } }
flows:
  - { name: f, source: a, target: b, topics: "${EVIL}", mm2: { mode: connect, connectors: { source: s } } }
`,
      {},
    ).flows[0]!;
    expect(flowTopicFilter(flow)(NAME)).toBe(false);
  });

  it('what RE2 cannot run (backreferences, lookaround) and over-long patterns are refused with the reason', () => {
    expect(patternProblem('(a)\\1')).toContain('invalid escape sequence');
    expect(patternProblem('(?!internal).*')).toContain('invalid perl operator');
    expect(patternProblem('a'.repeat(PATTERN_MAX + 1))).toBe(
      `${PATTERN_MAX + 1} characters, at most ${PATTERN_MAX}`,
    );
    expect(patternProblem('orders|primary\\.orders')).toBeUndefined();
  });

  it('from Slack or the terminal: a usage answer naming the flag, nothing run', () => {
    for (const line of ['backup primary --topics (a)\\1', 'restore b-1 --to dr --topics (?=x).*']) {
      const p = parseCommandLine(REGISTRY, line);
      expect(p.ok, line).toBe(false);
      if (!p.ok) {
        expect(p.outcome.kind).toBe('usage');
        expect(p.outcome.text).toContain('topics');
        expect(p.outcome.text).toContain('linear time');
      }
    }
  });

  it('in the config: the field is named', () => {
    expect(() =>
      parseConfig(
        `clusters:
  a: { bootstrap: ["127.0.0.1:9"] }
  b: { bootstrap: ["127.0.0.1:9"], connect: { url: "http://127.0.0.1:9" } }
flows:
  - { name: f, source: a, target: b, groups: "(x)\\\\1", mm2: { mode: connect, connectors: { source: s } } }
`,
        {},
      ),
    ).toThrow(/flows\[0\]\.groups.*linear time/s);
  });
});
