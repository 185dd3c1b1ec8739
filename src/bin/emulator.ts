import { parseArgs } from 'node:util';
import { SlackEmulator } from '../emulator/server.js';

/**
 * `kdr emulator [--port N]`: a standalone local Slack Web API.
 * `kdr emulator slash "<text>" [--url U] [--user U0..] [--channel C0..]`: sends a signed /kdr through a running
 * emulator (demo) and prints what the bot answered and posted.
 */
export async function runEmulator(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      url: { type: 'string' },
      user: { type: 'string' },
      channel: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals[0] === 'slash')
    return slash(
      values.url ?? 'http://127.0.0.1:3939',
      positionals.slice(1).join(' '),
      values.user,
      values.channel,
    );
  const emu = await new SlackEmulator({ port: Number(values.port ?? 3939) }).start();
  process.stdout.write(`Slack Web API emulator on ${emu.apiUrl} (records at ${emu.url}/_emulator/calls)\n`);
  await new Promise<void>((r) => process.once('SIGINT', r));
  await emu.stop();
  return 0;
}

async function slash(base: string, text: string, user?: string, channel?: string): Promise<number> {
  const before = (await (await fetch(`${base}/_emulator/calls?method=chat.postMessage`)).json()) as unknown[];
  const res = await fetch(`${base}/_emulator/slash`, {
    method: 'POST',
    body: JSON.stringify({ text, user, channel }),
  });
  const r = (await res.json()) as { status: number; body: string; ms: number };
  process.stdout.write(`/kdr ${text}\n  bot answered HTTP ${r.status} in ${r.ms} ms: ${ackText(r.body)}\n`);
  if (r.status !== 200 || !ackText(r.body).startsWith('Running')) return r.status === 200 ? 0 : 1;
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const calls = (await (await fetch(`${base}/_emulator/calls?method=chat.postMessage`)).json()) as Array<{
      args: { channel: string; text: string };
    }>;
    if (calls.length > before.length) {
      const last = calls[calls.length - 1]!;
      process.stdout.write(
        `  posted to ${last.args.channel} (chat.postMessage):\n${last.args.text.replace(/^/gm, '    ')}\n`,
      );
      return 0;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stdout.write('  no message posted within 20 s\n');
  return 1;
}

function ackText(body: string): string {
  try {
    return String((JSON.parse(body) as { text?: string }).text ?? body).split('\n')[0]!;
  } catch {
    return body || '(empty ack)';
  }
}
