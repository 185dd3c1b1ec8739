/**
 * Backup at scale (issue 5): a cluster with 2,000 topics (each with config overrides) and 1,000 ACLs.
 *   kdr:   `kdr backup primary --topics <bench topics>` as its own process (the CLI a human runs)
 *   peers: `kafka-topics.sh --describe` over the same topics plus `kafka-configs.sh --describe --all` over the
 *          topics (TopicCommand and ConfigCommand from kafka-tools, run with java as the .sh scripts do)
 * Wall time and peak RSS of each (GNU time), and the ratio, all in the same run. Target: kdr ≤ 5 s and ≥ 5× faster.
 * Run with the sandbox up: npx tsx bench/backup-scale.ts [--topics 2000] [--acls 1000] [--keep]
 * The topics are named unmirrored-bench-* so the sandbox's MirrorMaker 2 leaves them alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { sandboxLayout } from '../src/sandbox/layout.js';
import { log4j2Properties } from '../src/sandbox/properties.js';
import { deleteAclsMatching } from '../test/helpers/backup-fixture.js';
import { ROOT, SANDBOX_CONFIG } from '../test/helpers/sandbox.js';

const { values } = parseArgs({
  options: {
    topics: { type: 'string', default: '2000' },
    acls: { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
  },
});
const TOPICS = Number(values.topics);
const ACLS = Number(values.acls);
const BOOTSTRAP = '127.0.0.1:19092';
const tag = Date.now().toString(36);
const prefix = `unmirrored-bench-${tag}-`;
const names = Array.from({ length: TOPICS }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

interface Measured {
  wallMs: number;
  peakRssMb: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command under GNU time: wall clock and maximum resident set size of the process. */
function timed(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Measured> {
  return new Promise((done) => {
    const child = spawn('/usr/bin/time', ['-f', '@@%e %M', cmd, ...args], {
      env: { ...process.env, ...env },
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const m = /@@([\d.]+) (\d+)\s*$/.exec(stderr);
      done({
        wallMs: m ? Number(m[1]) * 1000 : Number.NaN,
        peakRssMb: m ? Number(m[2]) / 1024 : Number.NaN,
        code: code ?? -1,
        stdout,
        stderr,
      });
    });
  });
}

function java(mainClass: string, args: string[]): Promise<Measured> {
  const layout = sandboxLayout(ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'kdr-bench-java-'));
  const cfg = join(dir, 'log.properties');
  writeFileSync(cfg, log4j2Properties(join(dir, 'java.log')));
  // what kafka-run-class.sh does: -Xmx256M, G1, the tools on the classpath
  return timed('java', [
    '-Xmx256M',
    '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${cfg}`,
    '-cp',
    `${layout.jarsDir}/*`,
    mainClass,
    ...args,
  ]);
}

const admin = new kafkajs.Kafka({
  brokers: [BOOTSTRAP],
  logLevel: kafkajs.logLevel.NOTHING,
  requestTimeout: 120_000,
}).admin();
await admin.connect();
console.log(`creating ${TOPICS} topics (with 2-3 config overrides each) and ${ACLS} ACLs on primary…`);
for (let i = 0; i < names.length; i += 500)
  await admin.createTopics({
    waitForLeaders: false,
    timeout: 120_000,
    topics: names.slice(i, i + 500).map((topic, j) => ({
      topic,
      numPartitions: 1,
      configEntries: [
        { name: 'retention.ms', value: String(3_600_000 + i + j) },
        { name: 'max.message.bytes', value: '2097152' },
        ...((i + j) % 2 ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
      ],
    })),
  });
const ops = [AclOperationTypes.READ, AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE];
for (let i = 0; i < ACLS; i += 250)
  await admin.createAcls({
    acl: Array.from({ length: Math.min(250, ACLS - i) }, (_, j) => ({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: names[(i + j) % names.length]!,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:bench-${tag}-${(i + j) % 50}`,
      host: '*',
      operation: ops[(i + j) % ops.length]!,
      permissionType: AclPermissionTypes.ALLOW,
    })),
  });
// let the broker settle (leaders elected, metadata propagated) before measuring
await new Promise((r) => setTimeout(r, 5000));

const dataDir = mkdtempSync(join(tmpdir(), 'kdr-bench-backup-'));
const kdrRun = () =>
  timed(
    resolve(ROOT, 'bin/kdr.js'),
    ['backup', 'primary', '--topics', `${prefix}.*`, '--config', SANDBOX_CONFIG],
    {
      KDR_DATA_DIR: dataDir,
    },
  );
const topicsRun = () =>
  java('org.apache.kafka.tools.TopicCommand', [
    '--bootstrap-server',
    BOOTSTRAP,
    '--describe',
    '--topic',
    `${prefix}.*`,
  ]);
const configsRun = () =>
  java('kafka.admin.ConfigCommand', [
    '--bootstrap-server',
    BOOTSTRAP,
    '--describe',
    '--all',
    '--entity-type',
    'topics',
  ]);

const rounds = 3;
const kdrs: Measured[] = [];
const peers: Array<{ topics: Measured; configs: Measured }> = [];
for (let r = 0; r < rounds; r++) {
  kdrs.push(await kdrRun());
  peers.push({ topics: await topicsRun(), configs: await configsRun() });
}
const bad = [...kdrs, ...peers.flatMap((p) => [p.topics, p.configs])].find((m) => m.code !== 0);
if (bad) {
  console.error('a run failed:', bad.stderr.slice(-2000));
  process.exitCode = 1;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kdrMs = median(kdrs.map((m) => m.wallMs));
const kdrRss = Math.max(...kdrs.map((m) => m.peakRssMb));
const topicsMs = median(peers.map((p) => p.topics.wallMs));
const configsMs = median(peers.map((p) => p.configs.wallMs));
const peerMs = median(peers.map((p) => p.topics.wallMs + p.configs.wallMs));
const peerRss = Math.max(...peers.flatMap((p) => [p.topics.peakRssMb, p.configs.peakRssMb]));
const summary = /^(\d+) topics, (\d+) ACLs/m.exec(kdrs[0]!.stdout);
const describedTopics = (peers[0]!.topics.stdout.match(/^Topic: \S+\tTopicId/gm) ?? []).length;
const describedConfigs = (peers[0]!.configs.stdout.match(/^All configs for topic /gm) ?? []).length;

console.log(
  `\nbackup of ${TOPICS} topics with overrides and ${ACLS} ACLs (median of ${rounds} runs, same run for all):`,
);
console.log(
  `  kdr backup (process, incl. Node start):      ${(kdrMs / 1000).toFixed(2)} s, peak RSS ${kdrRss.toFixed(0)} MB — manifest: ${summary?.[1]} topics, ${summary?.[2]} ACLs`,
);
console.log(
  `  kafka-topics --describe:                     ${(topicsMs / 1000).toFixed(2)} s (${describedTopics} topics described)`,
);
console.log(
  `  kafka-configs --describe --all (topics):     ${(configsMs / 1000).toFixed(2)} s (${describedConfigs} topics described)`,
);
console.log(
  `  peers together:                              ${(peerMs / 1000).toFixed(2)} s, peak RSS ${peerRss.toFixed(0)} MB (largest JVM)`,
);
console.log(
  `  ratio: kdr is ${(peerMs / kdrMs).toFixed(1)}x faster than the peers (target ≥ 5x); kdr ${kdrMs <= 5000 ? '≤' : '>'} 5 s (target ≤ 5 s)`,
);
console.log(
  `  (the peers print topics and configs only; kdr's manifest also holds the ACLs, group offsets and broker configs)`,
);

if (!values.keep) {
  console.log('\ncleaning up…');
  await deleteAclsMatching(BOOTSTRAP, prefix);
  for (let i = 0; i < names.length; i += 500)
    await admin.deleteTopics({ topics: names.slice(i, i + 500), timeout: 120_000 });
}
await admin.disconnect();
