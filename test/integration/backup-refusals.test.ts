import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import {
  backupIdFrom,
  DR,
  deleteAclsMatching,
  kdr,
  PRIMARY,
  registryTopic,
  tempDataDir,
  withAdmin,
  writeConfig,
} from '../helpers/backup-fixture.js';
import { createTopics, eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';

const id = unique('cf').replace('-', '');
const t = (s: string) => `unmirrored-${id}-${s}`;
const active = `${id}-active`;
const idle = `${id}-idle`;
const dataDir = tempDataDir();
const schemasTopic = t('schemas');
const config = writeConfig(dataDir, { backup: { schemasTopic } });
const run = (args: string[]) => kdr(dataDir, args, config);
const subjectKey = JSON.stringify({ keytype: 'SCHEMA', subject: `${id}-value`, version: 1, magic: 1 });
const schemaValue = (n: number) =>
  JSON.stringify({ subject: `${id}-value`, version: 1, id: 7000 + n, schema: '"string"' });

async function offsetsOn(bootstrap: string, group: string) {
  return withAdmin(bootstrap, (a) => a.fetchOffsets({ groupId: group, topics: [t('new')] }));
}

describe('restore refuses what it must, and says what it will and will not do', () => {
  let backupId: string;
  const consumer = fixtureKafka(DR).consumer({
    groupId: active,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });

  beforeAll(async () => {
    await withAdmin(PRIMARY, (a) =>
      createTopics(a, {
        topics: [
          { topic: t('grow'), numPartitions: 3 },
          { topic: t('shrink'), numPartitions: 1 },
          { topic: t('new'), numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '7200000' }] },
        ],
      }),
    );
    await withAdmin(DR, (a) =>
      createTopics(a, {
        topics: [
          { topic: t('grow'), numPartitions: 1 },
          { topic: t('shrink'), numPartitions: 2 },
        ],
      }),
    );
    const writer = new GroupOffsetWriter('primary', sandboxConfig().clusters.primary!);
    await writer.commit(active, [{ topic: t('new'), partition: 0, offset: 5n }]);
    await writer.commit(idle, [{ topic: t('new'), partition: 1, offset: 6n }]);
    await writer.close();
    // the same registry key with different values on the two clusters: another registry state on dr
    for (const [b, n] of [
      [PRIMARY, 1],
      [DR, 2],
    ] as const) {
      await registryTopic(b, schemasTopic, [{ key: subjectKey, value: schemaValue(n) }]);
    }
    await consumer.connect();
    await consumer.subscribe({ topic: t('shrink') });
    await consumer.run({ eachMessage: async () => undefined });
    await eventually('the consumer to join on dr', 30_000, async () => {
      const d = await withAdmin(DR, (a) => a.describeGroups([active]));
      return d.groups[0]?.state === 'Stable' ? true : undefined;
    });
    const r = await run(['backup', 'primary', '--topics', `unmirrored-${id}-.*`]);
    expect(r.code, r.stderr).toBe(0);
    backupId = backupIdFrom(r.stdout);
  });

  afterAll(async () => {
    for (const bs of [PRIMARY, DR]) await deleteAclsMatching(bs, id);
    await consumer.disconnect();
    for (const b of [PRIMARY, DR])
      await withAdmin(b, async (a) => {
        await a
          .deleteTopics({ topics: (await a.listTopics()).filter((x) => x.includes(id)) })
          .catch(() => undefined);
      });
  });

  it('a conflicting target: the plan says exactly what it will and will not do, and applying it does only that', async () => {
    const dry = await run(['restore', backupId, '--to', 'dr', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const out = dry.stdout;
    expect(out).toContain(`create topic ${t('new')} (2 partition(s), RF 1, retention.ms=7200000)`);
    expect(out).toContain(`set offsets of group ${idle} on 1 partition(s)`);
    expect(out).toContain(
      `partitions of ${t('grow')}: 1 on dr, 3 in the backup: adding partitions sends keys to other partitions; pass --add-partitions`,
    );
    expect(out).toContain(
      `partitions of ${t('shrink')}: 2 on dr, 1 in the backup: Kafka cannot remove partitions`,
    );
    expect(out).toMatch(
      new RegExp(
        `offsets of group ${active}: it has 1 active member\\(s\\) on dr \\(state Stable\\); stop its consumers first`,
      ),
    );
    expect(out).toMatch(
      /schemas \(\d+ record\(s\) in the backup\): 1 key\(s\) hold different values on dr's unmirrored-/,
    );

    const r = await run(['restore', backupId, '--to', 'dr', '--yes']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('verification: a new plan against the live state is empty');
    const drTopics = await withAdmin(DR, (a) => a.fetchTopicMetadata({ topics: [t('grow'), t('new')] }));
    expect(drTopics.topics.find((x) => x.name === t('grow'))!.partitions).toHaveLength(1);
    expect(drTopics.topics.find((x) => x.name === t('new'))!.partitions).toHaveLength(2);
    expect((await offsetsOn(DR, idle))[0]!.partitions.find((p) => p.partition === 1)!.offset).toBe('6');
    expect((await offsetsOn(DR, active))[0]!.partitions.every((p) => p.offset === '-1')).toBe(true);
    const schemas = await withAdmin(DR, (a) => a.fetchTopicOffsets(schemasTopic));
    expect(schemas[0]).toBeDefined();

    const grow = await run([
      'restore',
      backupId,
      '--to',
      'dr',
      '--only',
      'topics',
      '--add-partitions',
      '--yes',
    ]);
    expect(grow.code, grow.stderr).toBe(0);
    expect(grow.stdout).toContain(`done: grow ${t('grow')} from 1 to 3 partitions`);
  });

  it('a damaged manifest, an unknown version, a wrong cluster, an unknown cluster or backup: refused, nothing written', async () => {
    const file = join(dataDir, 'backups', `${backupId}.json`);
    const original = readFileSync(file, 'utf8');
    const m = JSON.parse(original);
    const cases: Array<[string, string, RegExp]> = [
      [
        `${id}-edited`,
        JSON.stringify({
          ...m,
          id: `${id}-edited`,
          content: {
            ...m.content,
            topics: m.content.topics.map((x: { partitions: number }) => ({ ...x, partitions: 9 })),
          },
        }),
        /checksum mismatch/,
      ],
      [`${id}-v2`, JSON.stringify({ ...m, version: 2 }), /has manifest version 2; this kdr reads version 1/],
      [`${id}-cut`, original.slice(0, 200), /is not JSON/],
      [
        `${id}-schema`,
        JSON.stringify({ ...m, content: { ...m.content, topics: [{ name: '' }] } }),
        /does not match the manifest schema at content\.topics\.0/,
      ],
    ];
    for (const [bad, text, expected] of cases) {
      writeFileSync(join(dataDir, 'backups', `${bad}.json`), text);
      const r = await run(['restore', bad, '--to', 'dr', '--yes']);
      expect(r.code, bad).not.toBe(0);
      expect(r.stderr, bad).toMatch(expected);
    }
    const listed = await run(['backups']);
    expect(listed.stdout).toMatch(new RegExp(`${id}-edited.*unusable: .*checksum mismatch`));

    // a second name for the dr cluster: restoring dr's backup "onto another cluster" that is dr itself
    const drBackup = await run(['backup', 'dr', '--topics', `unmirrored-${id}-.*`]);
    const twin = writeConfig(dataDir, {
      clusters: {
        primary: { bootstrap: [PRIMARY] },
        dr: { bootstrap: [DR], connect: { url: 'http://127.0.0.1:18083' } },
        'dr-twin': { bootstrap: [DR] },
      },
    });
    const wrong = await kdr(
      dataDir,
      ['restore', backupIdFrom(drBackup.stdout), '--to', 'dr-twin', '--yes'],
      twin,
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/is that same cluster \(same id\): the config names one cluster twice/);

    const unknown = await run(['restore', backupId, '--to', 'nowhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no cluster named "nowhere"');
    const missing = await run(['restore', `${id}-nope`, '--to', 'dr']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no backup .*\nhint: list them with `kdr backups`/s);
    const badFlag = await run(['restore', backupId, '--to', 'dr', '--only', 'topics,quotas']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain(
      'expected a comma-separated list of topics, configs, acls, groups, schemas',
    );
    // nothing of the refused restores reached dr: the edited manifest said 9 partitions
    const meta = await withAdmin(DR, (a) => a.fetchTopicMetadata({ topics: [t('new')] }));
    expect(meta.topics[0]!.partitions).toHaveLength(2);
  });
});
