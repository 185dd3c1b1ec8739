import type { Block } from '../core/command.js';

/**
 * Slack's Block Kit limits (../shared/reference/slack-platform.md). Used by the bot's guard before every
 * send and by the Web API emulator to answer `invalid_blocks` as Slack would: one source of truth.
 */
export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  markdownBlock: 12_000,
  /** Users hit msg_blocks_too_long at about this much block text: a soft ceiling. */
  messageBlockText: 13_000,
  messageText: 40_000,
} as const;

type Obj = Record<string, unknown>;
const textOf = (t: unknown): string => (t && typeof t === 'object' ? String((t as Obj).text ?? '') : '');

export interface Violation {
  error: 'invalid_blocks' | 'msg_blocks_too_long';
  path: string;
  detail: string;
}

/** Every way `blocks` breaks Slack's limits; empty when Slack would accept them. */
export function findViolations(blocks: unknown): Violation[] {
  const v: Violation[] = [];
  const bad = (path: string, detail: string) => v.push({ error: 'invalid_blocks', path, detail });
  if (!Array.isArray(blocks))
    return [{ error: 'invalid_blocks', path: 'blocks', detail: 'must be an array' }];
  if (blocks.length > LIMITS.blocksPerMessage)
    bad('blocks', `${blocks.length} blocks; at most ${LIMITS.blocksPerMessage}`);
  const blockIds = new Set<string>();
  let totalText = 0;
  blocks.forEach((b: Obj, i) => {
    const at = `blocks[${i}]`;
    if (!b || typeof b !== 'object' || typeof b.type !== 'string') {
      bad(at, 'each block needs a type');
      return;
    }
    if (typeof b.block_id === 'string') {
      if (b.block_id.length > LIMITS.blockId) bad(`${at}.block_id`, `longer than ${LIMITS.blockId}`);
      if (blockIds.has(b.block_id)) bad(`${at}.block_id`, `duplicate block_id ${b.block_id}`);
      blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'header': {
        const t = textOf(b.text);
        totalText += t.length;
        if ((b.text as Obj | undefined)?.type !== 'plain_text')
          bad(`${at}.text`, 'header text must be plain_text');
        if (t.length > LIMITS.headerText)
          bad(`${at}.text`, `${t.length} chars; at most ${LIMITS.headerText}`);
        break;
      }
      case 'section': {
        const t = textOf(b.text);
        totalText += t.length;
        if (t.length > LIMITS.sectionText)
          bad(`${at}.text`, `${t.length} chars; at most ${LIMITS.sectionText}`);
        const fields = (b.fields as unknown[] | undefined) ?? [];
        if (!b.text && fields.length === 0) bad(at, 'a section needs text or fields');
        if (fields.length > LIMITS.sectionFields)
          bad(`${at}.fields`, `${fields.length} fields; at most ${LIMITS.sectionFields}`);
        fields.forEach((f, j) => {
          const ft = textOf(f);
          totalText += ft.length;
          if (ft.length > LIMITS.sectionFieldText)
            bad(`${at}.fields[${j}]`, `${ft.length} chars; at most ${LIMITS.sectionFieldText}`);
        });
        if (b.accessory) checkElement(b.accessory as Obj, `${at}.accessory`, bad);
        break;
      }
      case 'context': {
        const els = (b.elements as Obj[] | undefined) ?? [];
        if (els.length === 0 || els.length > LIMITS.contextElements)
          bad(`${at}.elements`, `${els.length} elements; 1 to ${LIMITS.contextElements}`);
        for (const e of els) totalText += textOf(e).length;
        break;
      }
      case 'actions': {
        const els = (b.elements as Obj[] | undefined) ?? [];
        if (els.length === 0 || els.length > LIMITS.actionsElements)
          bad(`${at}.elements`, `${els.length} elements; 1 to ${LIMITS.actionsElements}`);
        const ids = new Set<string>();
        els.forEach((e, j) => {
          checkElement(e, `${at}.elements[${j}]`, bad);
          if (typeof e.action_id === 'string') {
            if (ids.has(e.action_id))
              bad(`${at}.elements[${j}].action_id`, `duplicate action_id ${e.action_id} in one block`);
            ids.add(e.action_id);
          }
        });
        break;
      }
      case 'markdown': {
        const t = String(b.text ?? '');
        totalText += t.length;
        if (t.length > LIMITS.markdownBlock)
          bad(`${at}.text`, `${t.length} chars; at most ${LIMITS.markdownBlock}`);
        break;
      }
      case 'divider':
      case 'image':
      case 'rich_text':
      case 'input':
      case 'file':
      case 'video':
        break;
      default:
        bad(`${at}.type`, `unknown block type ${b.type}`);
    }
  });
  if (totalText > LIMITS.messageBlockText) {
    v.push({
      error: 'msg_blocks_too_long',
      path: 'blocks',
      detail: `${totalText} chars of block text; about ${LIMITS.messageBlockText} at most`,
    });
  }
  return v;
}

function checkElement(e: Obj, at: string, bad: (p: string, d: string) => void): void {
  if (typeof e.action_id === 'string' && e.action_id.length > LIMITS.actionId)
    bad(`${at}.action_id`, `longer than ${LIMITS.actionId}`);
  if (e.type !== 'button') return;
  const t = textOf(e.text);
  if (t.length > LIMITS.buttonText) bad(`${at}.text`, `${t.length} chars; at most ${LIMITS.buttonText}`);
  if (typeof e.value === 'string' && e.value.length > LIMITS.buttonValue)
    bad(`${at}.value`, `longer than ${LIMITS.buttonValue}`);
  if (typeof e.url === 'string' && e.url.length > LIMITS.buttonUrl)
    bad(`${at}.url`, `longer than ${LIMITS.buttonUrl}`);
  const c = e.confirm as Obj | undefined;
  if (c) {
    if (textOf(c.title).length > LIMITS.confirmTitle)
      bad(`${at}.confirm.title`, `at most ${LIMITS.confirmTitle}`);
    if (textOf(c.text).length > LIMITS.confirmText)
      bad(`${at}.confirm.text`, `at most ${LIMITS.confirmText}`);
    if (textOf(c.confirm).length > LIMITS.confirmButton)
      bad(`${at}.confirm.confirm`, `at most ${LIMITS.confirmButton}`);
    if (textOf(c.deny).length > LIMITS.confirmButton)
      bad(`${at}.confirm.deny`, `at most ${LIMITS.confirmButton}`);
  }
}

export type { Block };
