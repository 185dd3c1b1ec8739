/**
 * Measures what issue 2 promises, against the running sandbox (`kdr sandbox up` first):
 *  - `kdr status --json` wall time (whole CLI process) with a healthy sandbox, with dr on a dead port, and with
 *    dr accepting TCP but never answering (the "partitioned" case);
 *  - the ack time of a signed `/kdr status` (HTTP round trip to the real Bolt app) and the time until the worker's
 *    chat.postMessage reaches the Slack emulator;
 *  - the bot+worker process RSS.
 * Run: npx tsx bench/status-latency.ts [runs]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sendSlashCommand } from '../src/emulator/slash.js';
import { startSlackRig } from '../test/helpers/slack.js';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = join(ROOT, 'examples/sandbox.kdr.yaml');
const runs = Number(process.argv[2] ?? 10);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50)} ms  p95 ${pct(xs, 95)} ms  max ${Math.max(...xs)} ms  (n=${xs.length})`;

function cliStatus(config: string): number {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/kdr.js'), 'status', '--json', '--config', config], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`status exited ${r.status}: ${r.stderr}`);
  return Date.now() - t0;
}

function variant(name: string, edit: (t: string) => string): string {
  const path = join(tmpdir(), `kdr-bench-${name}.yaml`);
  writeFileSync(path, edit(readFileSync(CONFIG, 'utf8')));
  return path;
}

const sockets: Socket[] = [];
const silent = createServer((s) => void sockets.push(s));
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
const silentPort = (silent.address() as AddressInfo).port;

const configs = {
  healthy: CONFIG,
  'dr dead port': variant('dead', (t) =>
    t.replace('127.0.0.1:29092', '127.0.0.1:29999').replace('127.0.0.1:18083', '127.0.0.1:18999'),
  ),
  'dr silent (default 3 s probe timeout)': variant('silent', (t) =>
    t.replace('127.0.0.1:29092', `127.0.0.1:${silentPort}`),
  ),
};
console.log(`kdr status --json, whole CLI process, ${runs} runs each`);
for (const [name, path] of Object.entries(configs)) {
  const times = Array.from({ length: name.startsWith('dr silent') ? Math.min(runs, 3) : runs }, () =>
    cliStatus(path),
  );
  console.log(`  ${name.padEnd(40)} ${fmt(times)}`);
}
for (const s of sockets) s.destroy();
silent.close();

const rig = await startSlackRig();
const acks: number[] = [];
const posted: number[] = [];
for (let i = 0; i < runs; i++) {
  const channel = `C0BENCH${i}`;
  const t0 = Date.now();
  const r = await sendSlashCommand({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    text: 'status',
    channelId: channel,
  });
  if (r.status !== 200) throw new Error(`ack ${r.status}`);
  acks.push(r.ms);
  while (!rig.emulator.state.messages.some((m) => m.channel === channel))
    await new Promise((res) => setTimeout(res, 5));
  posted.push(Date.now() - t0);
}
console.log('signed /kdr status through the real Bolt app, BullMQ on Redis, worker, emulator');
console.log(`  HTTP ack (Slack's limit: 3000 ms)        ${fmt(acks)}`);
console.log(`  until chat.postMessage reached "Slack"   ${fmt(posted)}`);
console.log(
  `  bot+worker process RSS                    ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB (this process also runs the emulator)`,
);
await rig.stop();
process.exit(0);
