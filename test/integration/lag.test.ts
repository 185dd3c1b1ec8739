import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { runKdr } from '../helpers/cli.js';
import {
  createTopics,
  eventually,
  fixtureKafka,
  SANDBOX_CONFIG,
  sandboxConfig,
  unique,
} from '../helpers/sandbox.js';

const config = sandboxConfig();
const kafka = fixtureKafka(config.clusters.primary!.bootstrap[0]!);
const dr = new ClusterReader('dr', config.clusters.dr!);
const topic = unique('lagt');
const half = unique('lagt-half');
const done = unique('lagt-done');
const unmirrored = unique('unmirrored');

async function lagJson(...args: string[]) {
  const r = await runKdr(['lag', 'primary-to-dr', '--json', '--config', SANDBOX_CONFIG, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).flows[0];
}

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, { topics: [{ topic, numPartitions: 2 }, { topic: unmirrored }] });
  // MM2 must mirror the (empty) topic before records arrive, and the records go one per request: MM2 writes an
  // offset sync for only some records of a batch, and offsets before a partition's first sync never translate
  await eventually('mirrored', 60_000, async () =>
    (await dr.topicExists(`primary.${topic}`)) ? true : undefined,
  );
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < 20; i++) {
    await producer.send({ topic, messages: [{ value: `v${i}`, partition: i % 2 }] });
    await new Promise((r) => setTimeout(r, 100));
  }
  await producer.send({ topic: unmirrored, messages: [{ value: 'x' }] });
  await producer.disconnect();
  await eventually('replicated to the end', 30_000, async () =>
    (await dr.ends(`primary.${topic}`)).every((e) => e.high === 10n) ? true : undefined,
  );
  await admin.setOffsets({
    groupId: half,
    topic,
    partitions: [
      { partition: 0, offset: '3' },
      { partition: 1, offset: '10' },
    ],
  });
  await admin.setOffsets({
    groupId: done,
    topic,
    partitions: [
      { partition: 0, offset: '10' },
      { partition: 1, offset: '10' },
    ],
  });
  await admin.disconnect();
}, 120_000);

afterAll(() => dr.close());

describe('kdr lag on the real sandbox', () => {
  it('per partition: source end, replicated position from Connect offsets, zero lag once mirrored', async () => {
    const flow = await lagJson();
    expect(flow.replicationSource).toBe('connect-offsets');
    const mine = flow.partitions.filter((p: { topic: string }) => p.topic === topic);
    expect(mine).toEqual([
      {
        topic,
        partition: 0,
        targetTopic: `primary.${topic}`,
        sourceEnd: 10,
        replicatedUpTo: 10,
        lagRecords: 0,
        lagMs: 0,
      },
      {
        topic,
        partition: 1,
        targetTopic: `primary.${topic}`,
        sourceEnd: 10,
        replicatedUpTo: 10,
        lagRecords: 0,
        lagMs: 0,
      },
    ]);
  });

  it('lists source topics of the flow that MM2 does not mirror', async () => {
    const flow = await lagJson();
    expect(flow.unmirroredTopics).toContain(unmirrored);
    expect(flow.unmirroredTopics).not.toContain(topic);
    expect(flow.problems.join('\n')).toContain('not mirrored');
  });

  it('per group: source lag, translated position (MM2 checkpoints), slack and expected re-reads', async () => {
    // MM2's checkpoint task restarts whenever the set of groups changes, and a restart re-reads the offset syncs
    // (one per record in the sandbox): late in a full run a new group's first checkpoint took over a minute
    const g = await eventually('checkpoints for both partitions', 200_000, async () => {
      const flow = await lagJson('--group', half);
      const grp = flow.groups.find((x: { group: string }) => x.group === half);
      return grp?.partitions.every((p: { translated: number | null }) => p.translated !== null)
        ? grp
        : undefined;
    });
    expect(g).toMatchObject({ group: half, state: 'Empty', members: 0, sourceLag: 7, checkpointLag: 0 });
    const [p0, p1] = g.partitions;
    expect(p0).toMatchObject({
      topic,
      targetTopic: `primary.${topic}`,
      partition: 0,
      sourceCommitted: 3,
      sourceEnd: 10,
      checkpointUpstream: 3,
      targetEnd: 10,
    });
    // MM2 translates to the committed offset or earlier, never later (no skipped records)
    expect(p0.translated).toBeLessThanOrEqual(3);
    expect(p0.slack).toBe(10 - p0.translated);
    // a plain topic maps 1:1, so the re-reads are exactly the records between the translated and committed offsets
    expect(p0.expectedRereads).toBe(3 - p0.translated);
    expect(p1).toMatchObject({
      partition: 1,
      sourceCommitted: 10,
      checkpointUpstream: 10,
      translated: 10,
      targetEnd: 10,
      slack: 0,
      expectedRereads: 0,
    });
  }, 240_000);

  it('--group limits the groups; a caught-up group has zero lag and zero slack', async () => {
    const flow = await eventually('checkpoints for the done group', 60_000, async () => {
      const f = await lagJson('--group', done);
      return f.groups[0]?.partitions.every((p: { translated: number | null }) => p.translated !== null)
        ? f
        : undefined;
    });
    expect(flow.groups.map((x: { group: string }) => x.group)).toEqual([done]);
    expect(flow.groups[0]).toMatchObject({ sourceLag: 0 });
    for (const p of flow.groups[0].partitions) expect(p).toMatchObject({ slack: 0, expectedRereads: 0 });
  });

  it('prints aligned tables without --json', async () => {
    const r = await runKdr(['lag', 'primary-to-dr', '--group', half, '--config', SANDBOX_CONFIG]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^topic\s+partition\s+source end\s+replicated to\s+lag \(records\)\s+lag \(time\)/m,
    );
    expect(r.stdout).toMatch(new RegExp(`^${half}\\s+NO_HISTORY\\s+Empty/0\\s+7\\s`, 'm'));
    expect(r.stdout).toContain(`not mirrored: `);
  });

  it('refuses an unknown flow, a malformed --group and an unknown group, naming the known ones', async () => {
    const a = await runKdr(['lag', 'nope', '--config', SANDBOX_CONFIG]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown flow "nope"');
    const b = await runKdr(['lag', '--group', '--config', SANDBOX_CONFIG]);
    expect(b.code).toBe(2);
    const c = await runKdr(['lag', 'primary-to-dr', '--group', 'no-such-group', '--config', SANDBOX_CONFIG]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('no consumer group "no-such-group" of flow primary-to-dr exists on primary');
    expect(c.stderr).toMatch(/hint: the flow's groups \(pattern "\.\*"\) on primary: \S/);
  });
});
