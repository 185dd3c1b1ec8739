import { findViolations } from '../slack/block-limits.js';
import type { EmulatorState } from './state.js';

export const EMULATOR_TEAM = { id: 'T0KDR', name: 'kdr-sandbox', url: 'https://kdr-sandbox.slack.com/' };
export const EMULATOR_BOT = { userId: 'U0KDRBOT', botId: 'B0KDRBOT' };

type Args = Record<string, unknown>;
type Answer = Record<string, unknown>;

function parseBlocks(raw: unknown): unknown[] | undefined | 'invalid_json' {
  if (raw === undefined || raw === '') return undefined;
  if (Array.isArray(raw)) return raw;
  try {
    return JSON.parse(String(raw));
  } catch {
    return 'invalid_json';
  }
}

/** Checks text/blocks as Slack does: `no_text` without either, `invalid_blocks` for any limit broken. */
function checkContent(args: Args): { error: Answer } | { text: string; blocks: unknown[] } {
  const blocks = parseBlocks(args.blocks);
  if (blocks === 'invalid_json') return { error: { ok: false, error: 'invalid_blocks_format' } };
  const text = args.text === undefined ? '' : String(args.text);
  if (!text && !blocks?.length) return { error: { ok: false, error: 'no_text' } };
  if (blocks) {
    const v = findViolations(blocks);
    if (v.length) {
      const error = v.some((x) => x.error === 'invalid_blocks') ? 'invalid_blocks' : 'msg_blocks_too_long';
      return {
        error: {
          ok: false,
          error,
          errors: v.map(
            (x) => `${x.detail} [json-pointer:/${x.path.replace(/\[(\d+)\]/g, '/$1').replace(/\./g, '/')}]`,
          ),
        },
      };
    }
  }
  return { text: text.slice(0, 40_000), blocks: blocks ?? [] };
}

const needChannel = (args: Args): Answer | undefined =>
  typeof args.channel === 'string' && args.channel ? undefined : { ok: false, error: 'channel_not_found' };

export const METHODS: Record<string, (s: EmulatorState, a: Args) => Answer> = {
  'auth.test': () => ({
    ok: true,
    url: EMULATOR_TEAM.url,
    team: EMULATOR_TEAM.name,
    user: 'kdr',
    team_id: EMULATOR_TEAM.id,
    user_id: EMULATOR_BOT.userId,
    bot_id: EMULATOR_BOT.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (s, a) => {
    const bad = needChannel(a);
    if (bad) return bad;
    const c = checkContent(a);
    if ('error' in c) return c.error;
    const channel = String(a.channel);
    s.notePost(channel);
    const msg = {
      channel,
      ts: s.nextTs(),
      text: c.text,
      blocks: c.blocks,
      user: EMULATOR_BOT.userId,
      ...(a.thread_ts ? { threadTs: String(a.thread_ts) } : {}),
    };
    s.messages.push(msg);
    return {
      ok: true,
      channel,
      ts: msg.ts,
      message: {
        type: 'message',
        user: msg.user,
        bot_id: EMULATOR_BOT.botId,
        text: msg.text,
        blocks: msg.blocks,
        ts: msg.ts,
      },
    };
  },

  'chat.update': (s, a) => {
    const bad = needChannel(a);
    if (bad) return bad;
    const msg = s.messages.find((m) => m.channel === a.channel && m.ts === a.ts && !m.ephemeralTo);
    if (!msg) return { ok: false, error: 'message_not_found' };
    const c = checkContent(a);
    if ('error' in c) return c.error;
    msg.text = c.text;
    msg.blocks = c.blocks;
    msg.edited = Date.now();
    return {
      ok: true,
      channel: msg.channel,
      ts: msg.ts,
      text: msg.text,
      message: { text: msg.text, blocks: msg.blocks },
    };
  },

  'files.getUploadURLExternal': (s, a) => {
    const length = Number(a.length);
    if (!a.filename || !Number.isInteger(length) || length <= 0)
      return { ok: false, error: 'invalid_arguments' };
    const id = `F${String(s.files.size + 1).padStart(8, '0')}`;
    s.files.set(id, { id, filename: String(a.filename), length });
    return { ok: true, upload_url: `${s.baseUrl}/upload/${id}`, file_id: id };
  },

  'files.completeUploadExternal': (s, a) => {
    let files: Array<{ id: string; title?: string }>;
    try {
      files = JSON.parse(String(a.files));
    } catch {
      return { ok: false, error: 'invalid_arguments' };
    }
    const out = [];
    for (const f of files) {
      const stored = s.files.get(f.id);
      if (!stored || stored.content === undefined) return { ok: false, error: 'file_not_found' };
      Object.assign(stored, {
        title: f.title,
        channel: a.channel_id ? String(a.channel_id) : undefined,
        threadTs: a.thread_ts ? String(a.thread_ts) : undefined,
      });
      out.push({
        id: stored.id,
        name: stored.filename,
        title: f.title ?? stored.filename,
        size: stored.content.length,
      });
    }
    return { ok: true, files: out };
  },

  'users.info': (s, a) => {
    const id = String(a.user ?? '');
    const name = s.users.get(id);
    if (!name) return { ok: false, error: 'user_not_found' };
    return {
      ok: true,
      user: {
        id,
        team_id: EMULATOR_TEAM.id,
        name: name.split(' ')[0]!.toLowerCase(),
        real_name: name,
        deleted: false,
      },
    };
  },

  'usergroups.users.list': (s, a) => {
    const members = s.usergroups.get(String(a.usergroup ?? ''));
    if (!members) return { ok: false, error: 'no_such_subteam' };
    return { ok: true, users: members };
  },

  'chat.postEphemeral': (s, a) => {
    const bad = needChannel(a);
    if (bad) return bad;
    if (typeof a.user !== 'string' || !a.user) return { ok: false, error: 'user_not_in_channel' };
    const c = checkContent(a);
    if ('error' in c) return c.error;
    const ts = s.nextTs();
    s.messages.push({
      channel: String(a.channel),
      ts,
      text: c.text,
      blocks: c.blocks,
      user: EMULATOR_BOT.userId,
      ephemeralTo: a.user,
    });
    return { ok: true, message_ts: ts };
  },
};
