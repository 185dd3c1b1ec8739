import { afterAll, describe, expect, it } from 'vitest';
import type { Config, FlowConfig } from '../../src/config/load.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { remoteTopic } from '../../src/mm2/naming.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { CheckpointIndex } from '../../src/translate/checkpoint-index.js';
import { syncIndex } from '../../src/translate/checkpoint-indexer.js';
import { gatherTranslation } from '../../src/translate/gather.js';
import { runKdr } from '../helpers/cli.js';
import { type ExtraFlow, startExtraFlow } from '../helpers/extra-flow.js';
import { remoteClusterUtils } from '../helpers/java.js';
import { SANDBOX_CONFIG, sandboxConfig, testLog, unique } from '../helpers/sandbox.js';
import {
  commitOnSource,
  mirroredTopic,
  translatable,
  translatedMap,
  waitForCheckpoints,
} from '../helpers/translate-fixture.js';

const IDENTITY = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';
const extras: ExtraFlow[] = [];
afterAll(async () => {
  for (const e of extras) await e.stop().catch(() => undefined);
});

/** Three groups at different positions on a 3-partition topic, one of them rewound afterwards. */
async function scenario(config: Config, flow: FlowConfig, topic: string) {
  const target = remoteTopic(flow, topic);
  await mirroredTopic(config, flow, topic, 3, 12, target);
  const at = await translatable(config, flow, topic, 3, 12);
  const groups = [unique('eq-a'), unique('eq-b'), unique('eq-c')];
  await commitOnSource(config, flow, groups[0]!, topic, [at(0, 7), at(1, 3), 12]);
  await commitOnSource(config, flow, groups[1]!, topic, [at(0, 0), 12, at(2, 5)]);
  await commitOnSource(config, flow, groups[2]!, topic, [12, 12, 12]);
  await waitForCheckpoints(config, flow, groups, 3);
  // rewind on the source: MM2 emits a checkpoint when a group's upstream offset goes backwards
  const rewound = [at(0, 0), at(1, 0), at(2, 1)];
  await commitOnSource(config, flow, groups[0]!, topic, rewound);
  const report = await waitForCheckpoints(config, flow, groups, 3);
  expect(report.groups[0]!.rows.map((r) => r.basis)).toEqual(rewound);
  return { groups, target, report };
}

async function expectSameAsMm2(
  config: Config,
  flow: FlowConfig,
  groups: string[],
  policy: { policyClass?: string; separator?: string },
) {
  const kdr = await gatherTranslation(config, testLog, {
    flow,
    groups,
    all: false,
    from: 'scan',
    failback: false,
  });
  const rcu = await remoteClusterUtils(
    config.clusters[flow.target]!.bootstrap[0]!,
    flow.source,
    groups,
    policy,
  );
  for (const g of groups) {
    const java = rcu.results.find((r) => r.group === g)!;
    const theirs = Object.fromEntries(java.offsets.map(([t, p, o]) => [`${t}:${p}`, o]));
    expect(Object.keys(theirs).length).toBeGreaterThan(0);
    expect(translatedMap(kdr, g), `group ${g}`).toEqual(theirs);
  }
  return kdr;
}

describe('translation equals RemoteClusterUtils.translateOffsets on the real sandbox', () => {
  it('default policy: several groups and partitions, after a rewind; the index and the CLI agree', async () => {
    const config = sandboxConfig();
    const flow = config.flows[0]!;
    const { groups } = await scenario(config, flow, unique('eqt'));
    const kdr = await expectSameAsMm2(config, flow, groups, {});

    // the worker's index, built from the same topic, answers the same
    const redis = await connectRedis(config.redis.url!);
    const index = new CheckpointIndex(redis, unique('kdr-test'));
    const target = new ClusterReader('dr', config.clusters.dr!);
    try {
      await syncIndex(index, target, flow);
      const fromIndex = await gatherTranslation(config, testLog, {
        flow,
        groups,
        all: false,
        from: 'index',
        failback: false,
        index,
      });
      expect(fromIndex.origin.kind).toBe('index');
      for (const g of groups) expect(translatedMap(fromIndex, g)).toEqual(translatedMap(kdr, g));
    } finally {
      await target.close();
      redis.disconnect();
    }

    const cli = await runKdr([
      'translate',
      groups[0]!,
      '--from',
      'scan',
      '--json',
      '--config',
      SANDBOX_CONFIG,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const out = JSON.parse(cli.stdout);
    expect(out.kind).toBe('translation');
    expect(out.groups[0].rows.map((r: { translated: number }) => r.translated)).toEqual(
      kdr.groups[0]!.rows.map((r) => r.translated),
    );
  });

  it('custom separator "_" (topics east_<name>, east_checkpoints_internal)', async () => {
    const extra = await startExtraFlow('east', 'sepx-.*', { type: 'default', separator: '_' });
    extras.push(extra);
    const { groups, target } = await scenario(extra.config, extra.flow, unique('sepx'));
    expect(target.startsWith('east_sepx-')).toBe(true);
    const kdr = await expectSameAsMm2(extra.config, extra.flow, groups, { separator: '_' });
    expect(kdr.origin.topic).toBe('east_checkpoints_internal');
  });

  it('IdentityReplicationPolicy (topics keep their names)', async () => {
    const extra = await startExtraFlow('ident', 'idnx-.*', { type: 'identity', separator: '.' });
    extras.push(extra);
    const topic = unique('idnx');
    const { groups, target } = await scenario(extra.config, extra.flow, topic);
    expect(target).toBe(topic);
    const kdr = await expectSameAsMm2(extra.config, extra.flow, groups, { policyClass: IDENTITY });
    expect(kdr.origin.topic).toBe('ident.checkpoints.internal');
  });
});
