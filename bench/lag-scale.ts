/**
 * `lag` and `status` at scale (issue 3): N partitions and G consumer groups on the sandbox's primary, mirrored
 * by MM2 to dr. Prints wall time and peak RSS of the kdr CLI for `lag --json` (all groups) and `status --json`,
 * the same cluster described by kafka-consumer-groups.sh --describe --all-groups (kafka-tools' ConsumerGroupCommand
 * run with java, JVM start included) in the same run, the ratio, and the RSS of the bot+worker process after
 * answering a signed `/kdr lag` through the Slack emulator.
 * Run with the sandbox up: npx tsx bench/lag-scale.ts [--partitions 2000] [--groups 200] [--keep]
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { stringify } from 'yaml';
import { SlackEmulator } from '../src/emulator/server.js';
import { sendSlashCommand } from '../src/emulator/slash.js';
import { GroupOffsetWriter } from '../src/kafka/group-offset-writer.js';
import { SANDBOX_CONNECTORS } from '../src/sandbox/connectors.js';
import { sandboxLayout } from '../src/sandbox/layout.js';
import { waitFor } from '../src/sandbox/processes.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    partitions: { type: 'string' },
    groups: { type: 'string' },
    keep: { type: 'boolean' },
    runs: { type: 'string' },
    /** reuse the fixture of an earlier, interrupted run (its topic/group id) instead of adding a second one */
    run: { type: 'string' },
  },
});
const PARTITIONS = Number(values.partitions ?? 2000);
const GROUPS = Number(values.groups ?? 200);
const RUNS = Number(values.runs ?? 5);
const PER_TOPIC = 100;
const TOPICS = Math.ceil(PARTITIONS / PER_TOPIC);
const PRIMARY = '127.0.0.1:19092';
const DR = '127.0.0.1:29092';
// unique per run: topics deleted by an earlier run must not be confused with this run's
const RUN = values.run ?? randomBytes(3).toString('hex');
const topicName = (i: number) => `bench-${RUN}-${String(i).padStart(3, '0')}`;
const groupName = (j: number) => `bench-${RUN}-g-${String(j).padStart(4, '0')}`;
const log = (s: string) => process.stderr.write(`${s}\n`);

const cfgDir = mkdtempSync(join(tmpdir(), 'kdr-bench-'));
const configFile = join(cfgDir, 'kdr.yaml');
writeFileSync(
  configFile,
  stringify({
    clusters: {
      primary: { bootstrap: [PRIMARY] },
      dr: { bootstrap: [DR], connect: { url: 'http://127.0.0.1:18083' } },
    },
    flows: [
      {
        name: 'bench',
        source: 'primary',
        target: 'dr',
        topics: `bench-${RUN}-.*`,
        groups: `bench-${RUN}-g-.*`,
        rpo: '60s',
        mm2: { mode: 'connect', connectors: SANDBOX_CONNECTORS },
      },
    ],
    slack: { channels: { ops: 'C0BENCH' } },
  }),
);

const kafka = (b: string) =>
  new kafkajs.Kafka({
    clientId: 'kdr-bench',
    brokers: [b],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 10_000,
    requestTimeout: 60_000,
  });

async function setup(): Promise<void> {
  const admin = kafka(PRIMARY).admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const missing = Array.from({ length: TOPICS }, (_, i) => topicName(i)).filter((t) => !existing.has(t));
  if (missing.length) {
    log(`creating ${missing.length} topics × ${PER_TOPIC} partitions on primary...`);
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: PER_TOPIC })),
      waitForLeaders: true,
      timeout: 120_000,
    });
    const producer = kafka(PRIMARY).producer();
    await producer.connect();
    for (const t of missing) {
      await producer.send({
        topic: t,
        messages: Array.from({ length: PER_TOPIC * 3 }, (_, k) => ({
          value: `r${k}`,
          partition: k % PER_TOPIC,
        })),
      });
    }
    await producer.disconnect();
  }
  log('waiting for MM2 to mirror every partition to dr...');
  const drAdmin = kafka(DR).admin();
  await drAdmin.connect();
  await waitFor(
    'mirrored topics',
    600_000,
    async () => {
      const dt = new Set(await drAdmin.listTopics());
      for (let i = 0; i < TOPICS; i++) {
        if (!dt.has(`primary.${topicName(i)}`)) return undefined;
        const ends = await drAdmin.fetchTopicOffsets(`primary.${topicName(i)}`);
        // at least: MM2 is at-least-once and replays records when its task is reconfigured for new partitions
        if (ends.length < PER_TOPIC || ends.some((e) => Number(e.high) < 3)) return undefined;
      }
      return true;
    },
    3000,
  );
  log(`committing offsets for ${GROUPS} groups (each on one topic, all its partitions)...`);
  const writer = new GroupOffsetWriter('primary', {
    bootstrap: [PRIMARY],
    ssl: false,
    timeouts: { connectMs: 10_000, requestMs: 30_000, probeMs: 10_000 },
  });
  for (let j = 0; j < GROUPS; j++) {
    const offsets = Array.from({ length: PER_TOPIC }, (_, p) => ({
      topic: topicName(j % TOPICS),
      partition: p,
      offset: BigInt(1 + (j % 3)),
    }));
    // a group left with a member by an interrupted earlier run is refused until that member's session expires
    await waitFor(
      `commit ${groupName(j)}`,
      120_000,
      async () => (await writer.commit(groupName(j), offsets)) ?? true,
      2000,
    );
  }
  await writer.close();
  await admin.disconnect();
  // Offsets before a partition's first offset sync never translate (the records were produced in batches), so
  // some groups never get a full set of checkpoints: wait until the count stops changing.
  log('waiting for MM2 checkpoints to settle...');
  let last = -1;
  let stable = 0;
  await waitFor(
    'checkpoints',
    600_000,
    async () => {
      const r = runJson(['lag', 'bench', '--json', '--config', configFile]);
      const withCp = r.flows[0].groups.filter((g: { partitions: Array<{ translated: number | null }> }) =>
        g.partitions.some((p) => p.translated !== null),
      ).length;
      log(`  ${withCp}/${GROUPS} groups checkpointed`);
      stable = withCp === last ? stable + 1 : 0;
      last = withCp;
      return withCp >= GROUPS || stable >= 3 ? true : undefined;
    },
    5000,
  );
  await drAdmin.disconnect();
}

function runJson(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/kdr.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`kdr ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Wall seconds and peak RSS (MB) of a command, from /usr/bin/time. */
function timed(cmd: string, args: string[]): { s: number; mb: number; out: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr.slice(-500)}`);
  const [s, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { s: s!, mb: Math.round(kb! / 1024), out: r.stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const hwmMB = (pid: number | undefined) => {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
};

/**
 * Peak RSS after answering a signed `/kdr lag` through the emulator, launched the way `npm start` / `npm run
 * worker` and the Dockerfile launch them: the bot and the worker as separate processes (how they are deployed),
 * and both in one process (`kdr bot --with-worker`, the demo's mode).
 */
async function serviceRss(): Promise<{ bot: number; worker: number; combined: number }> {
  const emulator = await new SlackEmulator({ tokens: ['xoxb-bench'] }).start();
  const secret = randomBytes(8).toString('hex');
  const prefix = `kdr-bench-${RUN}`;
  // as deployed: the bot with V8's default young generation (its acknowledgements are latency-critical), the
  // worker with --max-semi-space-size=4 (npm run worker; NODE_OPTIONS in the image)
  const launch = (args: string[], port: number) =>
    spawn(
      process.execPath,
      [
        ...(args[0] === 'worker' ? ['--max-semi-space-size=4'] : []),
        join(ROOT, 'bin/kdr.js'),
        ...args,
        '--config',
        configFile,
      ],
      {
        env: {
          ...process.env,
          SLACK_BOT_TOKEN: 'xoxb-bench',
          SLACK_SIGNING_SECRET: secret,
          SLACK_API_URL: emulator.apiUrl,
          PORT: String(port),
          KDR_METRICS_PORT: '0',
          KDR_LOG_LEVEL: 'warn',
          KDR_QUEUE_PREFIX: prefix,
        },
        stdio: 'ignore',
      },
    );
  const ask = async (port: number, channel: string) => {
    await waitFor(
      'bot',
      30_000,
      async () =>
        (await fetch(`http://127.0.0.1:${port}/healthz`)
          .then((r) => r.ok)
          .catch(() => false)) || undefined,
      300,
    );
    const r = await sendSlashCommand({
      appUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: secret,
      text: 'lag bench',
      channelId: channel,
    });
    if (r.status !== 200) throw new Error(`ack ${r.status}`);
    await waitFor(
      'lag answer',
      120_000,
      async () => (emulator.state.messages.some((m) => m.channel === channel) ? true : undefined),
      200,
    );
    await new Promise((r) => setTimeout(r, 2000)); // let the file upload and the first scheduled check finish too
  };
  const children: Array<ReturnType<typeof launch>> = [];
  try {
    const p1 = 4000 + Math.floor(Math.random() * 1000);
    const bot = launch(['bot'], p1);
    const worker = launch(['worker'], p1 + 500); // PORT is unused by the worker but must be valid
    children.push(bot, worker);
    await ask(p1, 'C0BENCHSPLIT');
    const split = { bot: hwmMB(bot.pid), worker: hwmMB(worker.pid) };
    bot.kill('SIGTERM');
    worker.kill('SIGTERM');
    const p2 = p1 + 1;
    const both = launch(['bot', '--with-worker'], p2);
    children.push(both);
    await ask(p2, 'C0BENCHBOTH');
    return { ...split, combined: hwmMB(both.pid) };
  } finally {
    for (const c of children) c.kill('SIGTERM'); // also when a step failed: leave no process behind
    await emulator.stop();
  }
}

async function cleanup(): Promise<void> {
  log('deleting the bench topics and groups...');
  const admin = kafka(PRIMARY).admin();
  await admin.connect();
  await admin.deleteGroups(Array.from({ length: GROUPS }, (_, j) => groupName(j))).catch(() => undefined);
  await admin.deleteTopics({
    topics: (await admin.listTopics()).filter((t) => t.startsWith(`bench-${RUN}-`)),
  });
  await admin.disconnect();
  const dr = kafka(DR).admin();
  await dr.connect();
  await dr.deleteTopics({
    topics: (await dr.listTopics()).filter((t) => t.startsWith(`primary.bench-${RUN}-`)),
  });
  await dr.disconnect();
}

await setup();
const check = runJson(['lag', 'bench', '--json', '--config', configFile]).flows[0];
log(`lag sees ${check.partitions.length} partitions and ${check.groups.length} groups`);
const kdrLag = Array.from({ length: RUNS }, () =>
  timed(process.execPath, [join(ROOT, 'bin/kdr.js'), 'lag', 'bench', '--json', '--config', configFile]),
);
const kdrStatus = Array.from({ length: RUNS }, () =>
  timed(process.execPath, [join(ROOT, 'bin/kdr.js'), 'status', 'bench', '--json', '--config', configFile]),
);
const jars = `${sandboxLayout(ROOT).jarsDir}/*`;
const peer = Array.from({ length: 3 }, () =>
  timed('java', [
    '-Xmx512m',
    '-cp',
    jars,
    `-Dlog4j2.configurationFile=${join(ROOT, '.sandbox/config/connect-log.properties')}`,
    'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
    '--bootstrap-server',
    PRIMARY,
    '--describe',
    '--all-groups',
  ]),
);
const peerRows = peer[0]!.out.split('\n').filter((l) => l.startsWith(`bench-${RUN}-g-`)).length;
const lagS = median(kdrLag.map((r) => r.s));
const peerS = median(peer.map((r) => r.s));
console.log(
  `lag-scale: ${check.partitions.length} partitions, ${check.groups.length} groups (${check.groups.reduce((s: number, g: { partitions: unknown[] }) => s + g.partitions.length, 0)} group-partitions), sandbox Kafka ${sandboxLayout(ROOT).kafkaVersion}`,
);
console.log(
  `  kdr lag --json (all groups, whole CLI)        median ${lagS.toFixed(2)} s  [${kdrLag.map((r) => r.s.toFixed(2)).join(', ')}]  peak RSS ${median(kdrLag.map((r) => r.mb))} MB`,
);
console.log(
  `  kdr status --json (whole CLI)                 median ${median(kdrStatus.map((r) => r.s)).toFixed(2)} s  [${kdrStatus.map((r) => r.s.toFixed(2)).join(', ')}]  peak RSS ${median(kdrStatus.map((r) => r.mb))} MB`,
);
console.log(
  `  kafka-consumer-groups --describe --all-groups median ${peerS.toFixed(2)} s  [${peer.map((r) => r.s.toFixed(2)).join(', ')}]  peak RSS ${median(peer.map((r) => r.mb))} MB  (${peerRows} bench rows)`,
);
console.log(
  `  ratio peer / kdr lag                          ${(peerS / lagS).toFixed(1)}x   (target: kdr lag <= 2 s and >= 3x faster)`,
);
const rss = await serviceRss();
console.log(
  `  peak RSS after a signed /kdr lag: bot ${rss.bot} MB, worker ${rss.worker} MB (separate processes, as deployed); bot --with-worker ${rss.combined} MB (target: bot <= 200 MB)`,
);
if (!values.keep) await cleanup();
process.exit(0);
