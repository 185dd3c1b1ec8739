import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METHODS } from './methods.js';
import { playgroundHtml } from './playground.js';
import { sendBlockAction, sendSlashCommand, slashCommandBody } from './slash.js';
import { SocketModeHub } from './socket-mode.js';
import { EmulatorState, type Fault } from './state.js';

export interface EmulatorOptions {
  port?: number;
  /** Bot tokens the emulator accepts; empty accepts any `xoxb-` token. */
  tokens?: string[];
  /** Where `/_emulator/slash` sends signed slash commands (the bot's /slack/events). */
  appUrl?: string;
  signingSecret?: string;
}

const RESPONSE_URL_MAX_USES = 5;

/**
 * A local Slack Web API: answers like Slack (auth.test, chat.postMessage, chat.update, chat.postEphemeral,
 * response_url), enforces Block Kit limits with `invalid_blocks`, flags >1 post/s per channel, injects faults,
 * and records everything for tests under /_emulator/*.
 */
/** Methods that post into a channel: refused with not_in_channel where the bot is not a member. */
const CHANNEL_POSTS = new Set(['chat.postMessage', 'chat.update', 'files.completeUploadExternal']);

export class SlackEmulator {
  readonly state = new EmulatorState();
  readonly socketMode = new SocketModeHub();
  private server: Server | undefined;
  url = '';

  constructor(private readonly opts: EmulatorOptions = {}) {}

  /** Base URL for WebClient's `slackApiUrl` (ends with /api/). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) =>
        send(res, 500, { ok: false, error: 'internal_error', detail: String(err) }),
      );
    });
    this.server.on('upgrade', (req, socket, head) => this.socketMode.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => this.server!.listen(this.opts.port ?? 0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.state.baseUrl = this.url;
    return this;
  }

  async stop(): Promise<void> {
    this.socketMode.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
  }

  configureApp(appUrl: string, signingSecret: string): void {
    this.opts.appUrl = appUrl;
    this.opts.signingSecret = signingSecret;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/api/') && req.method === 'POST')
      return this.api(url.pathname.slice(5), req, raw, res);
    if (url.pathname.startsWith('/response/') && req.method === 'POST')
      return this.responseUrl(url.pathname.slice(10), raw, res);
    if (url.pathname.startsWith('/upload/') && req.method === 'POST')
      return this.upload(url.pathname.slice(8), req, raw, res);
    return this.control(url, req.method ?? 'GET', raw, res);
  }

  private async api(method: string, req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    const token =
      (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') ||
      (typeof args.token === 'string' ? args.token : '');
    const fault = this.state.takeFault(method);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    let status = 200;
    let wait = 0;
    let answer: Record<string, unknown>;
    const headers: Record<string, string> = {};
    if (fault?.status === 429) {
      status = 429;
      headers['retry-after'] = String(fault.retryAfter ?? 1);
      answer = { ok: false, error: 'ratelimited' };
    } else if (fault?.error) {
      answer = { ok: false, error: fault.error };
    } else if (!token) {
      answer = { ok: false, error: 'not_authed' };
    } else if (method === 'apps.connections.open') {
      // needs an app-level token, as on Slack
      answer = token.startsWith('xapp-')
        ? { ok: true, url: this.socketMode.openUrl(this.url) }
        : { ok: false, error: 'not_allowed_token_type' };
    } else if (this.opts.tokens?.length ? !this.opts.tokens.includes(token) : !token.startsWith('xoxb-')) {
      answer = { ok: false, error: 'invalid_auth' };
    } else if (
      CHANNEL_POSTS.has(method) &&
      this.state.notIn.has(String(args.channel ?? args.channel_id ?? ''))
    ) {
      answer = { ok: false, error: 'not_in_channel' };
    } else if (
      method === 'chat.postMessage' &&
      this.rateLimited(String(args.channel ?? ''), (w) => (wait = w))
    ) {
      status = 429;
      headers['retry-after'] = String(wait);
      answer = { ok: false, error: 'ratelimited' };
    } else {
      const impl = METHODS[method];
      answer = impl ? impl(this.state, args) : { ok: false, error: 'unknown_method' };
    }
    const { token: _drop, ...recordedArgs } = args;
    this.state.calls.push({
      seq: ++this.state.seq,
      at: Date.now(),
      method,
      args: recordedArgs,
      response: answer,
    });
    send(res, status, answer, headers);
  }

  /** Takes a post token for the channel; when there is none, hands the Retry-After seconds to `wait` and says so. */
  private rateLimited(channel: string, wait: (seconds: number) => void): boolean {
    const w = this.state.takePostToken(channel);
    wait(w);
    return w > 0;
  }

  /** The upload_url step of files.uploadV2: the bytes must match the announced length. */
  private upload(id: string, req: IncomingMessage, raw: string, res: ServerResponse): void {
    const f = this.state.files.get(id);
    if (!f) return void send(res, 404, { ok: false, error: 'file_not_found' });
    const content = filePart(req.headers['content-type'] ?? '', raw);
    if (Buffer.byteLength(content) !== f.length)
      return void send(res, 400, { ok: false, error: 'length_mismatch' });
    f.content = content;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${f.length}`);
  }

  private responseUrl(id: string, raw: string, res: ServerResponse): void {
    const uses = this.state.responseUrlUses.get(id) ?? [];
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Slack accepts JSON only; keep what came for the record
    }
    uses.push({ at: Date.now(), body });
    this.state.responseUrlUses.set(id, uses);
    if (uses.length > RESPONSE_URL_MAX_USES) send(res, 404, { ok: false, error: 'used_url' });
    else send(res, 200, { ok: true });
  }

  private async control(url: URL, method: string, raw: string, res: ServerResponse): Promise<void> {
    const s = this.state;
    switch (`${method} ${url.pathname}`) {
      case 'GET /_emulator/calls': {
        const m = url.searchParams.get('method');
        return send(
          res,
          200,
          s.calls.filter((c) => !m || c.method === m),
        );
      }
      case 'GET /_emulator/messages': {
        const ch = url.searchParams.get('channel');
        return send(
          res,
          200,
          s.messages.filter((x) => !ch || x.channel === ch),
        );
      }
      case 'GET /_emulator/files':
        return send(res, 200, [...s.files.values()]);
      case 'GET /_emulator/pace':
        return send(res, 200, s.paceViolations);
      case 'POST /_emulator/reset':
        s.reset();
        return send(res, 200, { ok: true });
      case 'POST /_emulator/membership': {
        // { channel, member }: whether the bot is in the channel (not: posts there answer not_in_channel)
        const m = JSON.parse(raw || '{}') as { channel?: string; member?: boolean };
        if (m.channel) {
          if (m.member === false) s.notIn.add(m.channel);
          else s.notIn.delete(m.channel);
        }
        return send(res, 200, { ok: true });
      }
      case 'POST /_emulator/faults':
        s.faults.push(JSON.parse(raw) as Fault);
        return send(res, 200, { ok: true });
      case 'POST /_emulator/slash': {
        if (!this.opts.appUrl || !this.opts.signingSecret)
          return send(res, 409, { ok: false, error: 'no app configured' });
        const { text, user, channel } = JSON.parse(raw || '{}') as {
          text?: string;
          user?: string;
          channel?: string;
        };
        const r = await sendSlashCommand({
          appUrl: this.opts.appUrl,
          signingSecret: this.opts.signingSecret,
          text: text ?? '',
          userId: user,
          channelId: channel,
          responseUrlBase: `${this.url}/response`,
        });
        return send(res, 200, r);
      }
      case 'GET /playground':
      case 'GET /': {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(playgroundHtml());
        return;
      }
      case 'POST /_emulator/click': {
        if (!this.opts.appUrl || !this.opts.signingSecret)
          return send(res, 409, { ok: false, error: 'no app configured' });
        const c = JSON.parse(raw || '{}') as {
          user: string;
          channel: string;
          ts: string;
          actionId: string;
          value: string;
        };
        const r = await sendBlockAction({
          appUrl: this.opts.appUrl,
          signingSecret: this.opts.signingSecret,
          userId: c.user,
          channelId: c.channel,
          messageTs: c.ts,
          actionId: c.actionId,
          value: c.value,
          responseUrlBase: `${this.url}/response`,
        });
        return send(res, 200, r);
      }
      case 'POST /_emulator/socket/slash': {
        const { text, user, channel } = JSON.parse(raw || '{}') as {
          text?: string;
          user?: string;
          channel?: string;
        };
        const { body } = slashCommandBody({
          appUrl: '',
          signingSecret: '',
          text: text ?? '',
          userId: user,
          channelId: channel,
          responseUrlBase: `${this.url}/response`,
        });
        return send(
          res,
          200,
          await this.socketMode.push('slash_commands', Object.fromEntries(new URLSearchParams(body))),
        );
      }
      default:
        return send(res, 404, { ok: false, error: 'not_found' });
    }
  }
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (contentType.includes('application/json'))
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  return Object.fromEntries(new URLSearchParams(raw));
}

/** Slack's upload URL takes the bytes raw or as multipart/form-data (web-api sends the latter): the file part. */
function filePart(contentType: string, raw: string): string {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!contentType.startsWith('multipart/form-data') || !boundary) return raw;
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  const part = raw.split(delimiter)[1] ?? '';
  const body = part.slice(part.indexOf('\r\n\r\n') + 4);
  return body.endsWith('\r\n') ? body.slice(0, -2) : body;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
