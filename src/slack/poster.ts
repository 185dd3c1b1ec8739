import type { WebClient } from '@slack/web-api';
import type { Attachment, Directory, Message, Poster } from '../core/chat.js';
import { KdrError } from '../core/errors.js';
import { guardMessage } from './block-guard.js';
import { createWebClient } from './web-client.js';

export type { Attachment, Directory, Message, Poster };

/** Slack allows about one post per second per channel; posts to one channel are spaced at least this far apart. */
const CHANNEL_SPACING_MS = 1100;
/** How long one call waits out Slack's 429s before it gives up (a DR bot does not deliver minutes late). */
const RATE_LIMIT_BUDGET_MS = 10_000;

export class SlackPoster implements Poster, Directory {
  private readonly client: WebClient;
  private readonly lastPost = new Map<string, Promise<number>>();

  constructor(token: string, slackApiUrl?: string) {
    this.client = createWebClient(token, slackApiUrl);
  }

  async postMessage(channel: string, msg: Message): Promise<{ channel: string; ts: string }> {
    const safe = guardMessage(msg);
    await this.pace(channel);
    const res = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel,
        text: safe.text,
        blocks: safe.blocks as never,
        ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
      }),
    );
    return { channel: String(res.channel ?? channel), ts: String(res.ts) };
  }

  async updateMessage(channel: string, ts: string, msg: Message): Promise<void> {
    const safe = guardMessage(msg);
    await this.call('chat.update', () =>
      this.client.chat.update({ channel, ts, text: safe.text, blocks: safe.blocks as never }),
    );
  }

  async uploadFile(channel: string, file: Attachment & { threadTs?: string }): Promise<void> {
    await this.call('files.uploadV2', () =>
      this.client.filesUploadV2({
        channel_id: channel,
        ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
        filename: file.filename,
        title: file.title,
        content: file.content,
      } as never),
    );
  }

  async postEphemeral(channel: string, user: string, msg: Message): Promise<void> {
    const safe = guardMessage(msg);
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel, user, text: safe.text, blocks: safe.blocks as never }),
    );
  }

  async usergroupMembers(usergroupId: string): Promise<string[]> {
    const res = await this.call('usergroups.users.list', () =>
      this.client.usergroups.users.list({ usergroup: usergroupId }),
    );
    return (res.users ?? []) as string[];
  }

  async userName(userId: string): Promise<string | undefined> {
    const res = await this.call('users.info', () => this.client.users.info({ user: userId }));
    const u = res.user as { real_name?: string; name?: string } | undefined;
    return u?.real_name || u?.name;
  }

  /** Serialises posts per channel in this process and keeps them CHANNEL_SPACING_MS apart. */
  private pace(channel: string): Promise<void> {
    const prev = this.lastPost.get(channel) ?? Promise.resolve(0);
    const next = prev.then(async (lastAt) => {
      const wait = lastAt + CHANNEL_SPACING_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return Date.now();
    });
    this.lastPost.set(channel, next);
    return next.then(() => undefined);
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    const until = Date.now() + RATE_LIMIT_BUDGET_MS;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        // rate-limited: wait as Slack asks while the budget lasts; then the caller falls back (response_url)
        const retryAfter =
          (err as { code?: string; retryAfter?: number }).code === 'slack_webapi_rate_limited_error'
            ? ((err as { retryAfter?: number }).retryAfter ?? 1) * 1000
            : undefined;
        if (retryAfter !== undefined && Date.now() + retryAfter <= until) {
          await new Promise((r) => setTimeout(r, retryAfter));
          continue;
        }
        throw this.failure(method, err);
      }
    }
  }

  private failure(method: string, err: unknown): KdrError {
    const data = (err as { data?: { error?: string } }).data;
    const limited = (err as { code?: string }).code === 'slack_webapi_rate_limited_error';
    return new KdrError(
      'KDR_SLACK_API',
      `Slack ${method} failed: ${limited ? 'ratelimited' : (data?.error ?? (err as Error).message)}`,
      {
        hint: 'check the bot token, that the bot is in the channel, and Slack availability',
        retriable: false,
        cause: err,
      },
    );
  }
}
