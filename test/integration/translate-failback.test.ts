import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { scanOffsetSyncs } from '../../src/mm2/topics.js';
import { invertSync } from '../../src/translate/failback.js';
import { runKdr } from '../helpers/cli.js';
import { consumeUntil } from '../helpers/consumer.js';
import { fixtureKafka, SANDBOX_CONFIG, sandboxConfig, unique } from '../helpers/sandbox.js';
import { mirroredTopic, translatable } from '../helpers/translate-fixture.js';

const config = sandboxConfig();
const flow = config.flows[0]!;
const env = { KDR_QUEUE_PREFIX: unique('kdr-fb') };
const topic = unique('fb');
const target = `primary.${topic}`;
const N = 16;
const dr = new ClusterReader('dr', config.clusters.dr!);
let at: (p: number, k: number) => number;
const kdr = (...args: string[]) => runKdr([...args, '--config', SANDBOX_CONFIG], env);

beforeAll(async () => {
  await mirroredTopic(config, flow, topic, 2, N, target);
  at = await translatable(config, flow, topic, 2, N);
}, 180_000);
afterAll(() => dr.close());

describe('failback: groups that consumed the replicas on dr go back to primary', () => {
  it('inverts the forward offset syncs; a real consumer on primary skips nothing', async () => {
    const group = unique('fb-g');
    const stopAt = [at(0, 2), at(1, 3)];
    const readOnDr = await consumeUntil(config.clusters.dr!.bootstrap[0]!, group, target, stopAt);
    const { syncs } = await scanOffsetSyncs(null, dr, flow);
    const expected = [0, 1].map((p) =>
      Number(invertSync(BigInt(stopAt[p]!), syncs.get(`${topic}:${p}`))!.offset),
    );

    const dry = await kdr('translate', group, '--failback', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout);
    expect(report).toMatchObject({
      direction: 'failback',
      from: 'dr',
      to: 'primary',
      origin: { kind: 'offset-syncs' },
    });
    expect(
      report.groups[0].rows.map((r: { toTopic: string; translated: number }) => [r.toTopic, r.translated]),
    ).toEqual([
      [topic, expected[0]],
      [topic, expected[1]],
    ]);

    const c = await kdr('translate', group, '--failback', '--commit', '--yes');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('on primary (authorised by --yes); read back: equal');
    const onPrimary = await consumeUntil(config.clusters.primary!.bootstrap[0]!, group, topic, [N, N]);
    for (let p = 0; p < 2; p++) {
      expect(new Set([...readOnDr[p]!, ...onPrimary[p]!]).size, `partition ${p}: nothing skipped`).toBe(N);
      // at a sync point exact; one past it, re-read from the sync's next record
      const dupes = onPrimary[p]!.filter((v) => readOnDr[p]!.includes(v)).length;
      expect(dupes).toBe(stopAt[p]! - expected[p]!);
    }
  });

  it('refuses a group unknown on dr, naming the groups there', async () => {
    const r = await kdr('translate', 'nobody-here', '--failback');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not on dr');
  });
});

describe('translate --verify: lag trend after failover', () => {
  it('stable with an idle group, growing while records arrive, decreasing once consumers run', async () => {
    const group = unique('vf-g');
    await consumeUntil(config.clusters.dr!.bootstrap[0]!, group, target, [4, 4]);

    const idle = await kdr('translate', group, '--verify', '--window', '2s', '--samples', '2');
    expect(idle.code, idle.stderr).toBe(0);
    expect(idle.stdout).toMatch(/WARN: lag is stable/);

    const growing = kdr('translate', group, '--verify', '--window', '6s', '--samples', '3');
    const producer = fixtureKafka(config.clusters.primary!.bootstrap[0]!).producer();
    await producer.connect();
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await producer.send({ topic, messages: [{ value: `late-${i}`, partition: 0 }] });
    }
    await producer.disconnect();
    const g = await growing;
    expect(g.stdout, g.stderr).toMatch(/FAIL: lag is increasing/);

    const verifying = kdr('translate', group, '--verify', '--window', '8s', '--samples', '3');
    // the first sample is taken about a second after the start; consumers start after it
    await new Promise((r) => setTimeout(r, 2500));
    const consumer = spawnConsumer(group);
    const v = await verifying;
    await consumer;
    expect(v.stdout, v.stderr).toMatch(/PASS: lag is decreasing/);
    expect(v.stdout).toMatch(/lag at T\+\d+ ms: \d+\nlag at T\+/);
  });

  it('validation refuses a group that has not committed on dr', async () => {
    const r = await kdr('translate', 'never-consumed-x', '--verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no committed offsets on dr');
  });
});

/** Consumes the rest of the replica in the background. */
const spawnConsumer = (group: string) =>
  consumeUntil(config.clusters.dr!.bootstrap[0]!, group, target, [N + 6, N]);
