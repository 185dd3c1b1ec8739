import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export interface EnvelopeAck {
  acked: boolean;
  ms: number;
  payload?: unknown;
}

/**
 * Slack's Socket Mode, locally: `apps.connections.open` hands out a ws:// URL, the server says `hello`, pushes
 * envelopes `{envelope_id, type, payload, accepts_response_payload}` and waits for `{envelope_id, payload?}` acks.
 */
export class SocketModeHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<WebSocket>();
  private readonly pending = new Map<string, (ack: { payload?: unknown }) => void>();

  constructor() {
    this.wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => {
        try {
          const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
          if (msg.envelope_id) this.pending.get(msg.envelope_id)?.({ payload: msg.payload });
        } catch {
          // Slack ignores what it cannot parse
        }
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.sockets.size,
          connection_info: { app_id: 'A0KDR' },
          debug_info: { host: 'kdr-emulator', approximate_connection_time: 3600 },
        }),
      );
    });
  }

  /** The answer to apps.connections.open (valid for one connection). */
  openUrl(baseHttpUrl: string): string {
    const ticket = randomBytes(8).toString('hex');
    this.tickets.add(ticket);
    return `${baseHttpUrl.replace(/^http/, 'ws')}/socket-mode?ticket=${ticket}`;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  get connections(): number {
    return this.sockets.size;
  }

  private next = 0;

  /**
   * Pushes one envelope to one connected client (in turn, as Slack spreads an app's envelopes over its connections;
   * a closed connection gets none) and waits up to `timeoutMs` for its ack.
   */
  async push(type: string, payload: unknown, timeoutMs = 3000): Promise<EnvelopeAck> {
    const open = [...this.sockets].filter((w) => w.readyState === w.OPEN);
    const ws = open[this.next++ % Math.max(1, open.length)];
    if (!ws) throw new Error('no Socket Mode connection');
    const envelope_id = randomBytes(8).toString('hex');
    const t0 = Date.now();
    const acked = new Promise<EnvelopeAck>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelope_id);
        resolve({ acked: false, ms: Date.now() - t0 });
      }, timeoutMs);
      this.pending.set(envelope_id, (ack) => {
        clearTimeout(timer);
        this.pending.delete(envelope_id);
        resolve({ acked: true, ms: Date.now() - t0, payload: ack.payload });
      });
    });
    ws.send(JSON.stringify({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api' }));
    return acked;
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }
}
