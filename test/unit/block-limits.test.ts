import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/core/command.js';
import { guardMessage } from '../../src/slack/block-guard.js';
import { findViolations, LIMITS } from '../../src/slack/block-limits.js';

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('Block Kit limits', () => {
  it('accepts a normal message', () => {
    expect(
      findViolations([{ type: 'header', text: { type: 'plain_text', text: 'kdr status' } }, section('ok')]),
    ).toEqual([]);
  });

  it('finds each limit that Slack enforces', () => {
    const cases: Array<[unknown[], RegExp]> = [
      [Array.from({ length: 51 }, () => section('x')), /51 blocks/],
      [[section('x'.repeat(3001))], /3001 chars; at most 3000/],
      [[{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], /at most 150/],
      [
        [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
        /11 fields/,
      ],
      [
        [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }],
        /11 elements/,
      ],
      [
        [
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } },
            ],
          },
        ],
        /at most 75/,
      ],
      [
        [
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x' } },
              { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'y' } },
            ],
          },
        ],
        /duplicate action_id/,
      ],
      [
        [
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                action_id: 'a',
                text: { type: 'plain_text', text: 'x' },
                confirm: { title: { type: 'plain_text', text: 't'.repeat(101) } },
              },
            ],
          },
        ],
        /confirm\.title/,
      ],
      [
        [
          { type: 'section', block_id: 'b', text: { type: 'mrkdwn', text: 'x' } },
          { type: 'divider', block_id: 'b' },
        ],
        /duplicate block_id/,
      ],
      [[{ type: 'bogus' }], /unknown block type/],
      [Array.from({ length: 6 }, () => section('x'.repeat(2500))), /chars of block text/],
    ];
    for (const [blocks, re] of cases) {
      const v = findViolations(blocks);
      expect(v.map((x) => `${x.path} ${x.detail}`).join('; ')).toMatch(re);
    }
  });

  it('guards any message into one Slack accepts, keeping the fallback text', () => {
    for (let n = 1; n < 120; n += 7) {
      const blocks: Block[] = [
        { type: 'header', text: { type: 'plain_text', text: 'H'.repeat(n * 3) } },
        ...Array.from({ length: n }, (_, i) => section(`\`\`\`${'row '.repeat(i * 40)}\`\`\``)),
        { type: 'context', elements: Array.from({ length: n % 15 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      ];
      const guarded = guardMessage({ text: 'fallback '.repeat(n * 100), blocks });
      expect(findViolations(guarded.blocks)).toEqual([]);
      expect(guarded.text.length).toBeLessThanOrEqual(LIMITS.messageText);
      expect(guarded.text.startsWith('fallback')).toBe(true);
    }
  });
});
