import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSlashCommand } from '../../src/emulator/slash.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { scanCheckpoints } from '../../src/mm2/topics.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { findViolations } from '../../src/slack/block-limits.js';
import { CheckpointIndex } from '../../src/translate/checkpoint-index.js';
import { runKdr } from '../helpers/cli.js';
import { eventually, SANDBOX_CONFIG, sandboxConfig, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';
import { checkpointedGroups, commitOnSource, waitForCheckpoints } from '../helpers/translate-fixture.js';

const config = sandboxConfig();
const flow = config.flows[0]!;
const prefix = unique('kdr-idx');
const topic = unique('idx');
const group = unique('idx-g');
const dr = new ClusterReader('dr', config.clusters.dr!);
let rig: SlackRig | undefined;
let index: CheckpointIndex;
let close: () => void;
let at: (p: number, k: number) => number;

beforeAll(async () => {
  const redis = await connectRedis(config.redis.url!);
  close = () => redis.disconnect();
  index = new CheckpointIndex(redis, prefix);
  at = (await checkpointedGroups(config, flow, topic, 2, 10, [group], 0)).at;
  rig = await startSlackRig({ withHealth: true, prefix });
}, 180_000);

afterAll(async () => {
  await rig?.stop();
  await dr.close();
  close();
});

/** The index's view of the group equals a full scan of the checkpoints topic. */
async function indexMatchesScan(): Promise<boolean> {
  const scan = [...(await scanCheckpoints(dr, flow)).latest.values()].filter((c) => c.group === group);
  const idx = await index.group(flow.name, group);
  const key = (c: { topic: string; partition: number; upstreamOffset: bigint; downstreamOffset: bigint }) =>
    `${c.topic}:${c.partition}:${c.upstreamOffset}:${c.downstreamOffset}`;
  return scan.length > 0 && JSON.stringify(scan.map(key).sort()) === JSON.stringify(idx.map(key).sort());
}

const slashAndWait = async (text: string, channelId: string) => {
  const r = await sendSlashCommand({
    appUrl: rig!.appUrl,
    signingSecret: rig!.signingSecret,
    text,
    channelId,
    responseUrlBase: `${rig!.emulator.url}/response`,
  });
  expect(r.status).toBe(200);
  return eventually(`a post in ${channelId}`, 30_000, async () =>
    rig!.emulator.state.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === channelId),
  );
};

describe('the worker keeps a checkpoint index', () => {
  it('follows the checkpoints topic and answers /kdr translate from the index', async () => {
    await eventually('index equals a full scan', 30_000, async () =>
      (await indexMatchesScan()) ? true : undefined,
    );
    const meta = (await index.meta(flow.name))!;
    expect(meta.topic).toBe('primary.checkpoints.internal');
    expect(Date.now() - meta.syncedAt).toBeLessThan(15_000);

    const call = await slashAndWait(`translate ${group}`, 'C0TRANSL');
    const blocks = JSON.parse(String(call.args.blocks));
    expect(findViolations(blocks)).toEqual([]);
    expect(JSON.stringify(blocks)).toContain('from checkpoint index (synced');
    expect(String(call.args.text)).toContain(`translate primary-to-dr (failover): 1 group(s), 0 with flags`);

    const cli = await runKdr(['translate', group, '--from', 'index', '--json', '--config', SANDBOX_CONFIG], {
      KDR_QUEUE_PREFIX: prefix,
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).origin.kind).toBe('index');
  });

  it('a commit asked from Slack becomes a plan waiting for approval (even with --yes); nothing is written', async () => {
    const call = await slashAndWait(`translate ${group} --commit --yes`, 'C0TRCOMM');
    const shown = JSON.stringify(JSON.parse(String(call.args.blocks)));
    expect(shown).toContain('Approval needed');
    expect(shown).toContain('kdr_approve');
    expect(await dr.groupOffsets(group)).toEqual([]);
  });

  it('reports its staleness when the worker is down, and resumes from its position after a restart', async () => {
    await rig!.stop();
    rig = undefined;
    const before = (await index.meta(flow.name))!;
    await new Promise((r) => setTimeout(r, 2500));
    const env = { KDR_QUEUE_PREFIX: prefix, KDR_INDEX_MAX_AGE: '2s' };
    const stale = await runKdr(['translate', group, '--from', 'index', '--config', SANDBOX_CONFIG], env);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(
      /checkpoint index of primary-to-dr cannot be used: index last synced \d+ s ago/,
    );
    const auto = await runKdr(['translate', group, '--json', '--config', SANDBOX_CONFIG], env);
    expect(auto.code, auto.stderr).toBe(0);
    expect(JSON.parse(auto.stdout).origin).toMatchObject({ kind: 'scan' });
    expect(JSON.parse(auto.stdout).origin.note).toContain('index last synced');

    // the group moves while the worker is down; the restarted worker reads only what is new
    await commitOnSource(config, flow, group, topic, [at(0, 2), at(1, 2)]);
    await waitForCheckpoints(config, flow, [group], 2);
    const end = Number((await dr.ends('primary.checkpoints.internal'))[0]!.high);
    rig = await startSlackRig({ withHealth: true, prefix });
    await eventually('index caught up', 30_000, async () => ((await indexMatchesScan()) ? true : undefined));
    const after = (await index.meta(flow.name))!;
    expect(after.records - before.records).toBeLessThanOrEqual(end - Number(before.next[0]) + 50);
    expect(after.records - before.records).toBeLessThan(end); // not rebuilt from the start
    const rows = await index.group(flow.name, group);
    expect(rows.map((c) => Number(c.upstreamOffset)).sort((a, b) => a - b)).toEqual(
      [at(0, 2), at(1, 2)].sort((a, b) => a - b),
    );
  });
});
