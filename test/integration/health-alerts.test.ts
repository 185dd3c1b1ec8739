import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Runtime, startRuntime } from '../../src/bin/runtime.js';
import type { Config } from '../../src/config/load.js';
import { SlackEmulator } from '../../src/emulator/server.js';
import { HealthStore } from '../../src/health/health-store.js';
import { runLagCheck } from '../../src/health/lag-check.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { SANDBOX_CONNECTORS } from '../../src/sandbox/connectors.js';
import { runKdr } from '../helpers/cli.js';
import {
  createTopics,
  eventually,
  fixtureKafka,
  sandboxConfig,
  testLog,
  unique,
} from '../helpers/sandbox.js';

/** The sandbox flow with a small RPO and 1 s checks, limited to this file's groups. */
const id = unique('hc');
const base = sandboxConfig();
const config: Config = structuredClone(base);
config.flows[0] = {
  ...config.flows[0]!,
  rpo: 8000,
  groups: `${id}-.*`,
  lagCheck: { every: 1000, warnRatio: 0.5, hysteresis: 0.2, groupWindow: 4, alertGroups: true },
};
const OPS = config.slack!.channels.ops;
const FLOW = config.flows[0].name;

// the same config as a file, for the CLI (durations written back as text)
const configFile = join(mkdtempSync(join(tmpdir(), 'kdr-hc-')), 'kdr.yaml');
writeFileSync(
  configFile,
  stringify({
    clusters: {
      primary: { bootstrap: base.clusters.primary!.bootstrap },
      dr: { bootstrap: base.clusters.dr!.bootstrap, connect: base.clusters.dr!.connect },
    },
    flows: [
      {
        name: FLOW,
        source: 'primary',
        target: 'dr',
        groups: `${id}-.*`,
        rpo: '8s',
        mm2: { mode: 'connect', connectors: SANDBOX_CONNECTORS },
      },
    ],
    slack: { channels: { ops: OPS } },
  }),
);

const connect = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const kafka = fixtureKafka(base.clusters.primary!.bootstrap[0]!);
const dr = new ClusterReader('dr', base.clusters.dr!);
const prefix = unique('kdr-hc');
const botToken = 'xoxb-health-test';
let emulator: SlackEmulator;
let rt: Runtime;
const stops: Array<() => Promise<unknown>> = [];

const start = () =>
  startRuntime({
    config,
    log: testLog,
    botToken,
    slackApiUrl: emulator.apiUrl,
    withWorker: true,
    withHealth: true,
    metricsPort: 0,
    prefix,
  });
const opsPosts = (re: RegExp) => emulator.state.messages.filter((m) => m.channel === OPS && re.test(m.text));
const store = () => {
  const redis = new Redis(config.redis.url!);
  stops.push(async () => redis.disconnect());
  return new HealthStore(redis, prefix);
};

const topic = `${id}-t`;
const quietTopic = `${id}-quiet`;
const quiet = `${id}-quiet-app`;
const stopper = `${id}-stopper`;
const keeper = `${id}-keeper`;

beforeAll(async () => {
  emulator = await new SlackEmulator({ tokens: [botToken] }).start();
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, { topics: [{ topic }, { topic: quietTopic }] });
  await eventually('mirrored', 60_000, async () =>
    (await dr.topicExists(`primary.${quietTopic}`)) && (await dr.topicExists(`primary.${topic}`))
      ? true
      : undefined,
  );
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < 10; i++) await producer.send({ topic: quietTopic, messages: [{ value: `q${i}` }] });
  await eventually('quiet topic replicated', 30_000, async () =>
    (await dr.ends(`primary.${quietTopic}`))[0]!.high === 10n ? true : undefined,
  );
  await admin.setOffsets({ groupId: quiet, topic: quietTopic, partitions: [{ partition: 0, offset: '4' }] });
  await admin.disconnect();

  // records keep arriving on `topic`; `stopper` reads a little then leaves; `keeper` keeps consuming
  const timer = setInterval(
    () => void producer.send({ topic, messages: [{ value: String(Date.now()) }] }).catch(() => undefined),
    300,
  );
  stops.push(async () => {
    clearInterval(timer);
    await producer.disconnect();
  });
  const s = kafka.consumer({ groupId: stopper });
  await s.connect();
  await s.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await s.run({ eachMessage: async () => void seen++ });
  await eventually('stopper read something', 20_000, async () => (seen > 0 ? true : undefined));
  await s.disconnect();
  const k = kafka.consumer({ groupId: keeper });
  await k.connect();
  await k.subscribe({ topic, fromBeginning: true });
  await k.run({ autoCommitInterval: 200, eachMessage: async () => undefined });
  stops.push(() => k.disconnect());

  rt = await start();
}, 180_000);

afterAll(async () => {
  await connect.setConnectorState(SANDBOX_CONNECTORS.source, 'resume').catch(() => undefined);
  await rt?.stop();
  for (const s of stops.reverse()) await s().catch(() => undefined);
  await emulator?.stop();
  await dr.close();
});

describe('scheduled lag checks against the real sandbox', () => {
  it('judges a group that stopped committing STOP and one that keeps up OK, alerting once for the stopped one', async () => {
    const states = await eventually('group verdicts', 60_000, async () => {
      const g = await store().groupStates(FLOW);
      return g.get(stopper)?.status === 'STOP' && g.get(keeper)?.status === 'OK' ? g : undefined;
    });
    expect(states.get(stopper)!.reason).toContain('no members');
    await eventually('the STOP alert', 10_000, async () =>
      opsPosts(new RegExp(`Consumer group STOP: ${stopper}`)).length ? true : undefined,
    );
    expect(opsPosts(new RegExp(keeper))).toEqual([]);
  });

  it('/metrics exposes the figures, and they match `kdr lag --json`', async () => {
    await eventually('a check that saw the quiet group', 30_000, async () =>
      (await fetch(`${rt.metricsUrl}/metrics`).then((r) => r.text())).includes(quiet) ? true : undefined,
    );
    const metrics = await fetch(`${rt.metricsUrl}/metrics`).then((r) => r.text());
    const value = (name: string, labels: string) => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const r = await runKdr(['lag', '--json', '--group', quiet, '--config', configFile]);
    expect(r.code, r.stderr).toBe(0);
    const flow = JSON.parse(r.stdout).flows[0];
    const g = flow.groups.find((x: { group: string }) => x.group === quiet);
    const p = flow.partitions.find((x: { topic: string }) => x.topic === quietTopic);
    expect(g.sourceLag).toBe(6);
    expect(value('kdr_consumer_lag_records', `group="${quiet}"`)).toBe(g.sourceLag);
    expect(value('kdr_checkpoint_lag_records', `group="${quiet}"`)).toBe(g.checkpointLag);
    expect(value('kdr_translation_slack_records', `group="${quiet}"`)).toBe(
      g.partitions.reduce((s: number, x: { slack: number }) => s + x.slack, 0),
    );
    expect(value('kdr_replication_lag_records', `topic="${quietTopic}"`)).toBe(p.lagRecords);
    expect(value('kdr_rpo_ms', `flow="${FLOW}"`)).toBe(8000);
    expect(value('kdr_flow_verdict', `flow="${FLOW}"`)).toBe(0);
    expect(value('kdr_group_status', `group="${stopper}",status="STOP"`)).toBe(1);
    expect((await fetch(`${rt.metricsUrl}/healthz`)).status).toBe(200);
  });

  it('pausing MirrorSourceConnector: heartbeats age past the RPO, exactly one breach alert, status says breach and why', async () => {
    expect(opsPosts(/RPO breach/)).toEqual([]);
    await connect.setConnectorState(SANDBOX_CONNECTORS.source, 'pause');
    await eventually('the breach alert', 40_000, async () =>
      opsPosts(/RPO breach/).length ? true : undefined,
    );
    const r = await runKdr(['status', '--json', '--config', configFile]);
    const flow = JSON.parse(r.stdout).flows[0];
    expect(flow.verdict).toBe('breach');
    expect(flow.reason).toMatch(/^(heartbeats|oldest unreplicated record) .* old, RPO 8\.0 s$/);
    expect(flow.connectors[0]).toMatchObject({ role: 'source', state: 'PAUSED' });
    expect(opsPosts(/RPO breach/)[0]!.text).toContain('RPO 8.0 s');
  });

  it('a worker restart re-sends nothing and loses nothing; resuming gives exactly one recovered alert', async () => {
    await rt.stop();
    rt = await start();
    await new Promise((r) => setTimeout(r, 3000));
    expect(opsPosts(/RPO breach/)).toHaveLength(1);

    // crash between a check and its alert: the transition is recorded, the alert waits in the outbox
    await rt.stop();
    await connect.setConnectorState(SANDBOX_CONNECTORS.source, 'resume');
    const s = store();
    const check = await eventually('a recovered transition', 40_000, async () => {
      const res = await runLagCheck({ config, log: testLog, store: s }, FLOW);
      return res.alerts.some((a) => a.kind === 'recovered') ? res : undefined;
    });
    expect(check.status.verdict).toBe('ok');
    expect(opsPosts(/recovered/i).filter((m) => m.text.includes('Replication recovered'))).toHaveLength(0);
    expect((await s.pendingAlerts()).some((a) => a.kind === 'recovered')).toBe(true);

    rt = await start(); // drains the outbox at start
    await eventually('the recovered alert', 10_000, async () =>
      opsPosts(/Replication recovered/).length ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(opsPosts(/RPO breach/)).toHaveLength(1);
    expect(opsPosts(/Replication recovered/)).toHaveLength(1);
    expect(await s.pendingAlerts()).toEqual([]);
  });
});
