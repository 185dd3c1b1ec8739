import type { Block } from '../core/command.js';
import { findViolations, LIMITS } from './block-limits.js';

const MORE = '\n… (truncated: run the command from the CLI or with --json for the full output)';

function cut(s: string, max: number, tail = '…'): string {
  return s.length <= max ? s : s.slice(0, max - tail.length) + tail;
}

/** Closes an open ``` so a truncated code block still renders. */
function cutMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  let body = s.slice(0, max - MORE.length - 4);
  if ((body.match(/```/g)?.length ?? 0) % 2 === 1) body += '```';
  return body + MORE;
}

function shrinkBlock(b: Block): Block {
  // biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON is reshaped field by field here
  const o = structuredClone(b) as Record<string, any>;
  if (o.type === 'header' && o.text) o.text.text = cut(String(o.text.text), LIMITS.headerText);
  if (o.type === 'section') {
    if (o.text) o.text.text = cutMrkdwn(String(o.text.text), LIMITS.sectionText);
    if (Array.isArray(o.fields)) {
      o.fields = o.fields
        .slice(0, LIMITS.sectionFields)
        .map((f: { text: unknown }) => ({ ...f, text: cut(String(f.text), LIMITS.sectionFieldText) }));
    }
  }
  if (o.type === 'context' && Array.isArray(o.elements))
    o.elements = o.elements.slice(0, LIMITS.contextElements);
  if (o.type === 'actions' && Array.isArray(o.elements))
    o.elements = o.elements.slice(0, LIMITS.actionsElements);
  if (o.type === 'markdown') o.text = cutMrkdwn(String(o.text), LIMITS.markdownBlock);
  return o as Block;
}

/**
 * Makes any message acceptable to Slack: truncates over-long texts, caps counts and, past the whole-message
 * ceiling, keeps the leading blocks and says what was left out. Never sends an invalid message.
 */
export function guardMessage(msg: { text: string; blocks: Block[] }): { text: string; blocks: Block[] } {
  let blocks = msg.blocks.map(shrinkBlock);
  if (blocks.length > LIMITS.blocksPerMessage)
    blocks = [
      ...blocks.slice(0, LIMITS.blocksPerMessage - 1),
      omitted(blocks.length - LIMITS.blocksPerMessage + 1),
    ];
  while (blocks.length > 1 && findViolations(blocks).some((v) => v.error === 'msg_blocks_too_long')) {
    const dropped = blocks.length;
    blocks = [
      ...blocks.slice(0, Math.max(1, Math.floor(dropped / 2))),
      omitted(dropped - Math.max(1, Math.floor(dropped / 2))),
    ];
    if (blocks.length >= dropped) break;
  }
  const remaining = findViolations(blocks);
  if (remaining.length)
    blocks = [{ type: 'section', text: { type: 'mrkdwn', text: cut(msg.text, LIMITS.sectionText) } }];
  return { text: cut(msg.text, LIMITS.messageText), blocks };
}

function omitted(n: number): Block {
  return {
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${n} more block(s) left out to stay within Slack's limits; the CLI shows everything.`,
      },
    ],
  };
}
