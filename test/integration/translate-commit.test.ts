import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { trailOf } from '../helpers/audit.js';
import { runKdr } from '../helpers/cli.js';
import { consumeUntil } from '../helpers/consumer.js';
import { eventually, fixtureKafka, ROOT, SANDBOX_CONFIG, sandboxConfig, unique } from '../helpers/sandbox.js';
import {
  commitOnSource,
  mirroredTopic,
  translatable,
  waitForCheckpoints,
} from '../helpers/translate-fixture.js';

const config = sandboxConfig();
const flow = config.flows[0]!;
const primaryBootstrap = config.clusters.primary!.bootstrap[0]!;
const drBootstrap = config.clusters.dr!.bootstrap[0]!;
const prefix = unique('kdr-tc');
const env = { KDR_QUEUE_PREFIX: prefix, KDR_DATA_DIR: mkdtempSync(join(tmpdir(), 'kdr-tc-')) };
const dr = new ClusterReader('dr', config.clusters.dr!);
const topic = unique('tc');
const target = `primary.${topic}`;
const N = 20;
let at: (p: number, k: number) => number;

const kdr = (...args: string[]) => runKdr([...args, '--config', SANDBOX_CONFIG], env);
const drOffsets = async (group: string) =>
  Object.fromEntries(
    (await dr.groupOffsets(group)).map((c) => [`${c.topic}:${c.partition}`, Number(c.offset)]),
  );

/** A group that consumed on primary up to `stopAt` and whose position MM2 has checkpointed. */
async function checkpointedGroup(stopAt: number[]) {
  const group = unique('tc-g');
  const read = await consumeUntil(primaryBootstrap, group, topic, stopAt);
  await waitForCheckpoints(config, flow, [group], 2);
  return { group, read };
}

beforeAll(async () => {
  await mirroredTopic(config, flow, topic, 2, N, target);
  at = await translatable(config, flow, topic, 2, N);
}, 180_000);

afterAll(() => dr.close());

describe('translate --commit on the real sandbox', () => {
  it('a real consumer resumes on dr: nothing skipped, re-reads exactly as predicted', async () => {
    // partition 0 stops on its newest sync point (MM2 keeps the head sync: exact), partition 1 one past an
    // older sync point (between syncs, or where MM2's sparse store kept only an older sync: re-reads)
    const stopAt = [at(0, 1_000), at(1, 3)];
    const { group, read } = await checkpointedGroup(stopAt);
    const lag = JSON.parse((await kdr('lag', '--group', group, '--json')).stdout).flows[0].groups[0];
    const predicted = lag.partitions.map((p: { expectedRereads: number }) => p.expectedRereads);

    const dry = await kdr('translate', group, '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(
      JSON.parse(dry.stdout).groups[0].rows.every((r: { flags: string[] }) => r.flags.length === 0),
    ).toBe(true);

    const c = await kdr('translate', group, '--commit', '--yes');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(
      /committed 2 partition\(s\) of .* on dr \(authorised by --yes\); read back: equal/,
    );

    const again = await kdr('translate', group, '--commit', '--yes');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already at the translated offsets: nothing written');

    const onDr = await consumeUntil(drBootstrap, group, target, [N, N]);
    for (let p = 0; p < 2; p++) {
      const all = new Set([...read[p]!, ...onDr[p]!]);
      expect(all.size, `partition ${p}: every record read on one side or the other`).toBe(N);
      const dupes = onDr[p]!.filter((v) => read[p]!.includes(v)).length;
      expect(dupes, `partition ${p} re-reads`).toBe(predicted[p]);
    }
    expect(predicted[0]).toBe(0);

    const redis = await connectRedis(config.redis.url!);
    const audit = await trailOf(redis, prefix)
      .read()
      .finally(() => redis.disconnect());
    const mine = audit.entries
      .filter((e) => e.subject.group === group)
      .map((e) => `${e.action}:${e.outcome}`);
    expect(mine).toEqual([
      'translate.plan:planned',
      'translate.confirm:confirmed by --yes',
      'translate.execute:written',
      'translate.verify:verified',
      'translate.commit:unchanged',
    ]);
    expect(audit.verified).toBe(true);
  });

  it('refuses an active group on dr, names state and member count, writes nothing', async () => {
    const { group } = await checkpointedGroup([at(0, 2), at(1, 2)]);
    const consumer = fixtureKafka(drBootstrap).consumer({ groupId: group, sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: target, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
    try {
      await eventually('group active on dr', 30_000, async () =>
        (await dr.describeGroups([group]))[0]?.members === 1 ? true : undefined,
      );
      const before = await drOffsets(group);
      const r = await kdr('translate', group, '--commit', '--yes', '--json');
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('KDR_GROUP_ACTIVE');
      expect(r.stderr).toMatch(/has 1 active member\(s\) on dr \(state Stable\)/);
      expect(r.stderr).toContain('hint: stop the group');
      expect(await drOffsets(group)).toEqual(before);
    } finally {
      await consumer.disconnect();
    }
  });

  it('refuses to rewind a group that already went further on dr, unless --allow-rewind', async () => {
    const { group } = await checkpointedGroup([at(0, 2), at(1, 2)]);
    const w = new GroupOffsetWriter('dr', config.clusters.dr!);
    await w.commit(
      group,
      [0, 1].map((partition) => ({ topic: target, partition, offset: BigInt(N) })),
    );
    await w.close();
    const r = await kdr('translate', group, '--commit', '--yes');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/would move .* backwards on dr/);
    expect(r.stderr).toContain('--allow-rewind');
    expect(await drOffsets(group)).toEqual({ [`${target}:0`]: N, [`${target}:1`]: N });
    const ok = await kdr('translate', group, '--commit', '--yes', '--allow-rewind');
    expect(ok.code, ok.stderr).toBe(0);
    expect(await drOffsets(group)).toEqual({ [`${target}:0`]: at(0, 2), [`${target}:1`]: at(1, 2) });
  });

  it('refuses stale checkpoints (older than the RPO and behind the source), unless --accept-stale', async () => {
    const { group } = await checkpointedGroup([at(0, 2), at(1, 2)]);
    const rest = new ConnectRest(config.clusters.dr!.connect!.url, 5000);
    await rest.setConnectorState(flow.mm2.mode === 'connect' ? flow.mm2.connectors.checkpoint! : '', 'pause');
    try {
      await new Promise((r) => setTimeout(r, 3000)); // the task stops emitting
      await commitOnSource(config, flow, group, topic, [N, N]);
      const staleEnv = env;
      const r = await runKdr(
        ['translate', group, '--commit', '--yes', '--config', stalenessConfig()],
        staleEnv,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/checkpoints of .* are older than the flow's RPO \(2 s\)/);
      expect(await drOffsets(group)).toEqual({});
      const ok = await runKdr(
        ['translate', group, '--commit', '--yes', '--accept-stale', '--config', stalenessConfig()],
        staleEnv,
      );
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      await rest.setConnectorState(
        flow.mm2.mode === 'connect' ? flow.mm2.connectors.checkpoint! : '',
        'resume',
      );
    }
  });

  it('unknown group or flow: exit 2 with the known ones, nothing written', async () => {
    const g = await kdr('translate', 'no-such-group-x', '--commit', '--yes');
    expect(g.code).toBe(2);
    expect(g.stderr).toContain('no consumer group "no-such-group-x"');
    expect(await drOffsets('no-such-group-x')).toEqual({});
    const f = await kdr('translate', 'g', '--flow', 'nope');
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('known flows: primary-to-dr');
  });

  it('two concurrent commits of one group: the second is told who holds the lock', async () => {
    const { group } = await checkpointedGroup([at(0, 2), at(1, 2)]);
    const first = spawn(
      process.execPath,
      [resolve(ROOT, 'bin/kdr.js'), 'translate', group, '--commit', '--config', SANDBOX_CONFIG],
      {
        env: { ...process.env, ...env },
        cwd: ROOT,
      },
    );
    let err1 = '';
    let out1 = '';
    first.stderr.on('data', (d) => (err1 += d));
    first.stdout.on('data', (d) => (out1 += d));
    const exited = new Promise<number>((r) => first.on('close', (c) => r(c ?? -1)));
    await eventually('first asks for confirmation', 30_000, async () =>
      err1.includes('Commit these offsets?') ? true : undefined,
    );
    const second = await kdr('translate', group, '--commit', '--yes');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is locked by cli:.* \(translate --commit .*, pid \d+ on .*\) for \d+ s/);
    expect(await drOffsets(group)).toEqual({});
    first.stdin.end('y\n');
    expect(await exited, err1).toBe(0);
    expect(out1).toContain('authorised by interactive confirmation');
    expect(await drOffsets(group)).toEqual({ [`${target}:0`]: at(0, 2), [`${target}:1`]: at(1, 2) });
  });
});

/** The sandbox config with a 2 s RPO, so that a paused checkpoint connector makes checkpoints stale quickly. */
function stalenessConfig(): string {
  const path = join(env.KDR_DATA_DIR, 'stale.kdr.yaml');
  writeFileSync(path, readFileSync(SANDBOX_CONFIG, 'utf8').replace('rpo: 60s', 'rpo: 2s'));
  return path;
}
