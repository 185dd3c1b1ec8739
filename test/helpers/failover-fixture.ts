import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs, { type Consumer } from 'kafkajs';
import { sendBlockAction, sendSlashCommand } from '../../src/emulator/slash.js';
import { sandboxLayout } from '../../src/sandbox/layout.js';
import { SANDBOX_SASL_USERS } from '../../src/sandbox/properties.js';
import { type ExtraFlow, startExtraFlow } from './extra-flow.js';
import { eventually, fixtureKafka, ROOT, sandboxConfig } from './sandbox.js';
import type { SlackRig } from './slack.js';
import { commitOnSource, mirroredTopic, translatable, waitForCheckpoints } from './translate-fixture.js';

/**
 * A kdr config for a failover test: the sandbox's primary under its own alias, with the extra MM2 flow's
 * connectors (test/helpers/extra-flow.ts), the test's groups, Slack channels and a stopProducers hook that
 * touches `stopFile` (the test's producer stops when it appears).
 */
export function failoverConfigFile(
  dir: string,
  alias: string,
  stopFile: string,
  opts: {
    deadSource?: boolean;
    aclFence?: boolean;
    sourceBootstrap?: string;
    lagEvery?: string;
    /** A switchRegistry hook, so the optional registry step asks (and can be skipped). */
    registryHook?: boolean;
    /** The flow as dedicated MM2: kdr knows no connectors, only this stop command (and start, for abort). */
    dedicatedStop?: string[];
    dedicatedStart?: string[];
    /** failback.settle: how long resync holds once caught up (the crash test kills a worker inside it). */
    failbackSettle?: string;
    /** flows[].exactProof.every (the worker's exact proofs kept for an unplanned failover). */
    exactProofEvery?: string;
  } = {},
): string {
  const { deadSource = false, aclFence = false } = opts;
  const s = sandboxConfig();
  const path = join(dir, `${alias}${deadSource ? '-dead' : ''}.kdr.yaml`);
  // aclFence: the freeze denies writes to the sandbox's non-super SASL users `producer` and `legacy`; kdr and MM2
  // read as ANONYMOUS (PLAINTEXT listener), a super user, as the declared authorizer settings say
  const authorizer = aclFence
    ? `, authorizer: { superUsers: ["User:ANONYMOUS", "User:admin"], allowEveryoneIfNoAclFound: true }`
    : '';
  const freeze = aclFence
    ? `\n    freeze: { denyWrite: ["User:producer", "User:legacy"], keepAccess: ["User:ANONYMOUS"] }`
    : '';
  // deadSource: kdr is pointed at an address where nothing answers, while MM2 still reads the real primary
  const source = deadSource ? '127.0.0.1:9' : (opts.sourceBootstrap ?? s.clusters.primary!.bootstrap[0]);
  writeFileSync(
    path,
    `clusters:
  primary: { bootstrap: ["${s.clusters.primary!.bootstrap[0]}"] }
  ${alias}: { bootstrap: ["${source}"], timeouts: { connectMs: 1000, requestMs: 2000, probeMs: 1500 }${authorizer} }
  dr: { bootstrap: ["${s.clusters.dr!.bootstrap[0]}"], connect: { url: "${s.clusters.dr!.connect!.url}" } }
flows:
  - name: ${alias}-to-dr
    source: ${alias}
    target: dr
    topics: "${alias}-t.*"
    groups: "${alias}-g.*"
    mm2: ${
      opts.dedicatedStop
        ? `{ mode: dedicated, stop: { command: ${JSON.stringify(opts.dedicatedStop)} }${opts.dedicatedStart ? `, start: { command: ${JSON.stringify(opts.dedicatedStart)} }` : ''} }`
        : `{ mode: connect, connectors: { source: "${alias}->dr.MirrorSourceConnector", checkpoint: "${alias}->dr.MirrorCheckpointConnector" } }`
    }
    rpo: 60s
    rto: 15m${freeze}${opts.lagEvery ? `\n    lagCheck: { every: ${opts.lagEvery} }` : ''}${opts.failbackSettle ? `\n    failback: { settle: ${opts.failbackSettle} }` : ''}${opts.exactProofEvery ? `\n    exactProof: { every: ${opts.exactProofEvery} }` : ''}
slack:
  channels: { ops: C0FOOPS, incidents: C0FOINC, stakeholders: C0FOSTK }
  approvers: { users: [U0ALICE, U0BOB], usergroups: [S0DRLEADS] }
  twoPersonRule: true
  approvalTtl: 10m
hooks:
  stopProducers: { command: ["touch", "${stopFile}"] }${opts.registryHook ? '\n  switchRegistry: { command: ["true"] }' : ''}
redis: { url: "${s.redis.url!}", prefix: "\${KDR_QUEUE_PREFIX:-kdr}" }
# the pause between the parts of a change (the crash test slows the offsets step down to kill a worker inside it)
changes: { pace: "\${KDR_CHANGE_PACE:-0ms}" }
worker: { metrics: { host: 127.0.0.1, port: "\${KDR_METRICS_PORT:-0}" } }
dataDir: "${join(dir, 'data')}"
`,
  );
  return path;
}

/**
 * Numbered, keyed records (acks=all) in batches every 20 ms (a few hundred per second) until `stopFile` exists:
 * the producer's own log of what the cluster acknowledged.
 */
export function startTraffic(bootstrap: string, topic: string, stopFile: string, partitions: number) {
  const producer = fixtureKafka(bootstrap).producer({ allowAutoTopicCreation: false });
  const acked: string[] = [];
  let n = 0;
  let stopped = false;
  const done = (async () => {
    await producer.connect();
    while (!stopped && !existsSync(stopFile)) {
      const batch = Array.from({ length: 8 }, () => {
        const i = n++;
        return { key: `k${i}`, value: `v${i}`, partition: i % partitions };
      });
      await producer.send({ topic, acks: -1, messages: batch });
      acked.push(...batch.map((m) => m.value));
      await new Promise((r) => setTimeout(r, 20));
    }
    await producer.disconnect();
  })();
  return {
    acked,
    done,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** A live consumer of `topic` (or several) in `group`: commits as it goes, remembers every value it read. */
export async function liveConsumer(bootstrap: string, group: string, topic: string | string[]) {
  const consumer: Consumer = fixtureKafka(bootstrap).consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const read: string[] = [];
  await consumer.connect();
  for (const t of Array.isArray(topic) ? topic : [topic])
    await consumer.subscribe({ topic: t, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 200,
    eachMessage: async ({ message }) => void read.push(String(message.value)),
  });
  return { read, stop: () => consumer.disconnect() };
}

interface RunButton {
  planId: string;
  ts: string;
  label: string;
}

/** A run message: its first block is the run's title (`*planned failover of F · run r-… · state*`). */
const isRunMessage = (
  x: { channel: string; threadTs?: string; ephemeralTo?: string; blocks?: unknown },
  channel: string,
) =>
  topLevel(x, channel) &&
  /^\*(\[DRILL\] )?(planned|unplanned) (failover|failback) of \S+ · run r-[0-9a-f]{8} · /.test(
    (x.blocks as Array<{ text?: { text?: string } }> | undefined)?.[0]?.text?.text ?? '',
  );

const topLevel = (x: { channel: string; threadTs?: string; ephemeralTo?: string }, channel: string) =>
  x.channel === channel && !x.threadTs && !x.ephemeralTo;

/**
 * The approve/confirm button shown now: on the newest run message where the channel has one (the incident channel),
 * else on the newest top-level message still showing one (an approval request, e.g. an abort's).
 */
export function currentButton(rig: SlackRig, channel: string): RunButton | undefined {
  const all = rig.emulator.state.messages;
  const m =
    all.findLast((x) => isRunMessage(x, channel)) ??
    all.findLast((x) => topLevel(x, channel) && JSON.stringify(x.blocks ?? []).includes('"kdr_approve"'));
  const actions = (
    m?.blocks as
      | Array<{ type: string; elements?: Array<{ value?: string; text?: { text: string } }> }>
      | undefined
  )?.find((b) => b.type === 'actions');
  const b = actions?.elements?.find((e) => (e as { action_id?: string }).action_id === 'kdr_approve');
  return m && b?.value ? { planId: b.value, ts: m.ts, label: b.text?.text ?? '' } : undefined;
}

/** Clicks a run button (Pause, Resume, Abort run) on the run message as `user`. */
export function clickRunButton(
  rig: SlackRig,
  channel: string,
  action: 'kdr_run_pause' | 'kdr_run_resume' | 'kdr_run_abort' | 'kdr_run_skip',
  user: string,
) {
  const m = rig.emulator.state.messages.findLast((x) => isRunMessage(x, channel))!;
  const blocks = m.blocks as Array<{
    type: string;
    elements?: Array<{ action_id?: string; value?: string }>;
  }>;
  const b = blocks
    .filter((x) => x.type === 'actions')
    .flatMap((x) => x.elements ?? [])
    .find((e) => e.action_id === action);
  if (!b?.value) throw new Error(`no ${action} button on the run message: ${JSON.stringify(blocks)}`);
  return sendBlockAction({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    userId: user,
    channelId: channel,
    messageTs: m.ts,
    actionId: action,
    value: b.value,
    responseUrlBase: `${rig.emulator.url}/response`,
  });
}

export const runMessageText = (rig: SlackRig, channel: string) =>
  JSON.stringify(rig.emulator.state.messages.findLast((x) => isRunMessage(x, channel))?.blocks ?? []);

export function slash(rig: SlackRig, text: string, user: string, channel: string) {
  return sendSlashCommand({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    text,
    userId: user,
    channelId: channel,
    responseUrlBase: `${rig.emulator.url}/response`,
  });
}

export function clickButton(
  rig: SlackRig,
  channel: string,
  b: RunButton,
  user: string,
  action: 'approve' | 'reject' = 'approve',
) {
  return sendBlockAction({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    userId: user,
    channelId: channel,
    messageTs: b.ts,
    actionId: action === 'approve' ? 'kdr_approve' : 'kdr_reject',
    value: b.planId,
    responseUrlBase: `${rig.emulator.url}/response`,
  });
}

/** A button still shown this long after its click is clicked again (as a person would: a decision is idempotent). */
const RECLICK_MS = 20_000;

/**
 * A scripted approver's single look at the run message: clicks the button it shows, once per plan, calling
 * `before(label)` first; clicks again when the same button is still there RECLICK_MS later (a click whose decision
 * was lost on a loaded machine must not leave the run waiting forever). Returns the plans clicked.
 */
export function approver(
  rig: SlackRig,
  channel: string,
  user: string,
  before: (label: string) => Promise<void> = async () => undefined,
) {
  const clicked = new Map<string, number>();
  const tick = async () => {
    const b = currentButton(rig, channel);
    if (!b) return;
    const at = clicked.get(b.planId);
    if (at !== undefined && Date.now() - at < RECLICK_MS) return;
    if (at === undefined) await before(b.label);
    clicked.set(b.planId, Date.now());
    await clickButton(rig, channel, b, user);
  };
  return { tick, clicked };
}

/** Clicks every button the run message shows (see `approver`) until `until()` holds. */
export async function approveAll(
  rig: SlackRig,
  channel: string,
  user: string,
  until: () => Promise<boolean>,
  before: (label: string) => Promise<void> = async () => undefined,
  timeoutMs = 240_000,
) {
  const a = approver(rig, channel, user, before);
  await eventually('the run to finish its steps', timeoutMs, async () => {
    if (await until()) return true;
    await a.tick();
    return undefined;
  });
  return new Set(a.clicked.keys());
}

/** An MM2 flow of its own (an alias of primary), a mirrored topic, `nGroups` checkpointed on it, and a kdr config. */
export async function failoverFlow(
  dir: string,
  nGroups: number,
  cleanups: Array<() => Promise<unknown>>,
  opts: {
    aclFence?: boolean;
    sourceBootstrap?: string;
    lagEvery?: string;
    registryHook?: boolean;
    failbackSettle?: string;
  } = {},
) {
  const alias = `fo${randomBytes(3).toString('hex')}`;
  const topic = `${alias}-t1`;
  const ex: ExtraFlow = await startExtraFlow(
    alias,
    `(${alias}-t.*|heartbeats)`,
    { type: 'default', separator: '.' },
    {},
    opts.sourceBootstrap,
  );
  cleanups.push(() => ex.stop());
  // the groups live on the sandbox's primary, where its own MM2 flow checkpoints every group: remove them after the
  // test, or each test's 50 groups slow that flow's checkpoint task for all the tests after it
  cleanups.push(() => deleteGroupsOf(ex.config.clusters[ex.flow.source]!.bootstrap[0]!, `${alias}-`));
  await mirroredTopic(ex.config, ex.flow, topic, 2, 10, `${alias}.${topic}`);
  const at = await translatable(ex.config, ex.flow, topic, 2, 10);
  const groups = Array.from({ length: nGroups }, (_, i) => `${alias}-g${i}`);
  for (const g of groups) await commitOnSource(ex.config, ex.flow, g, topic, [at(0, 2), at(1, 2)]);
  await waitForCheckpoints(ex.config, ex.flow, groups, 2);
  const stopFile = join(dir, `${alias}.stop`);
  const file = failoverConfigFile(dir, alias, stopFile, opts);
  return { alias, topic, groups, stopFile, file, flow: `${alias}-to-dr`, ex };
}

/** A producer through the sandbox's SASL/PLAIN listener as `user` (a non-super principal: ACLs govern it). */
export function saslProducer(user: 'producer' | 'legacy') {
  const layout = sandboxLayout(ROOT);
  return new kafkajs.Kafka({
    clientId: `kdr-test-${user}`,
    brokers: [`127.0.0.1:${layout.ports.primarySasl}`],
    sasl: { mechanism: 'plain', username: user, password: SANDBOX_SASL_USERS[user] },
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 5000,
  }).producer({ allowAutoTopicCreation: false });
}

/** `/kdr abort <run>` from U0ALICE in a direct message with kdr (D0FOABT), approved by U0BOB; resolves once the run message says aborted. */
export async function abortThroughSlack(rig: SlackRig, run: string) {
  await slash(rig, `abort ${run}`, 'U0ALICE', 'D0FOABT');
  const plan = await eventually('the abort approval', 30_000, async () => currentButton(rig, 'D0FOABT'));
  await clickButton(rig, 'D0FOABT', plan, 'U0BOB');
  await eventually('aborted', 60_000, async () =>
    runMessageText(rig, 'C0FOINC').includes('· aborted') ? true : undefined,
  );
}

/** Deletes the consumer groups whose names start with `prefix` (empty ones; a group with members stays). */
export async function deleteGroupsOf(bootstrap: string, prefix: string) {
  const admin = fixtureKafka(bootstrap).admin();
  await admin.connect();
  try {
    const mine = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (mine.length) await admin.deleteGroups(mine).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
