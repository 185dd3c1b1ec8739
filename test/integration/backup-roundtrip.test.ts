import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, parseManifest } from '../../src/backup/manifest.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import {
  backupIdFrom,
  brokerResource,
  comparable,
  DR,
  deleteAclsMatching,
  groupAcl,
  kdr,
  PRIMARY,
  registryTopic,
  tempDataDir,
  topicAcl,
  withAdmin,
  writeConfig,
} from '../helpers/backup-fixture.js';
import { createTopics, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';

// `unmirrored-` topics are excluded from the sandbox's MM2, so restoring them onto dr under the same names
// is restoring onto names that are fresh there.
const id = unique('rt').replace('-', '');
const prefix = `unmirrored-${id}-`;
const topics = Array.from({ length: 50 }, (_, i) => `${prefix}t${String(i).padStart(2, '0')}`);
const groups = [`${id}-billing`, `${id}-search`, `${id}-audit`];
const SECRET = `s3cr3t-${id}`;
const dataDir = tempDataDir();
// a registry storage topic of this test's own (the sandbox is shared): backup.schemasTopic
const schemasTopic = `unmirrored-schemas-${id}`;
const config = writeConfig(dataDir, { backup: { schemasTopic } });
const run = (args: string[]) => kdr(dataDir, args, config);
const mine = (s: string) => s.includes(id);
const load = (stdout: string): Manifest => {
  const backupId = backupIdFrom(stdout);
  return parseManifest(readFileSync(join(dataDir, 'backups', `${backupId}.json`), 'utf8'), backupId);
};

/** Confluent Schema Registry's `_schemas` record shapes: schema versions, a compatibility config, a deleted key. */
function schemaRecords(subject: string) {
  const key = (o: object) => JSON.stringify(o);
  const schema = (version: number, id: number, fields: string) => ({
    key: key({ keytype: 'SCHEMA', subject, version, magic: 1 }),
    value: key({
      subject,
      version,
      id,
      schemaType: 'AVRO',
      schema: `{"type":"record","name":"R","fields":[${fields}]}`,
      deleted: false,
    }),
  });
  return [
    schema(1, 9001, '{"name":"a","type":"string"}'),
    schema(2, 9002, '{"name":"a","type":"string"},{"name":"b","type":["null","int"],"default":null}'),
    { key: key({ keytype: 'CONFIG', subject, magic: 0 }), value: key({ compatibilityLevel: 'FULL' }) },
    {
      key: key({ keytype: 'SCHEMA', subject, version: 3, magic: 1 }),
      value: key({ subject, version: 3, id: 9003, schema: '"string"' }),
    },
    { key: key({ keytype: 'SCHEMA', subject, version: 3, magic: 1 }), value: null },
  ];
}

describe('backup → restore → backup round trip (real Kafka)', () => {
  let primaryBackup: Manifest;

  beforeAll(async () => {
    await withAdmin(PRIMARY, async (admin) => {
      await createTopics(admin, {
        topics: topics.map((topic, i) => ({
          topic,
          numPartitions: 1 + (i % 4),
          configEntries: [
            ...(i % 3 === 0 ? [{ name: 'retention.ms', value: String(3_600_000 * (i + 1)) }] : []),
            ...(i % 5 === 0 ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
            ...(i % 7 === 0 ? [{ name: 'max.message.bytes', value: '2097152' }] : []),
          ],
        })),
      });
      await admin.createAcls({
        acl: [
          topicAcl(`User:${id}-alice`, topics[0]!, 'READ'),
          topicAcl(`User:${id}-alice`, topics[1]!, 'DESCRIBE'),
          topicAcl(`User:${id}-bob`, prefix, 'WRITE', true),
          topicAcl(`User:${id}-mallory`, topics[2]!, 'ALL', false, true),
          groupAcl(`User:${id}-carol`, groups[0]!),
          groupAcl(`User:${id}-alice`, groups[1]!),
        ],
      });
      // a sensitive broker setting: the broker never returns its value, so no manifest can hold it
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: brokerResource,
            name: '1',
            configEntries: [{ name: `kdr.test.token.${id}`, value: SECRET }],
          },
        ],
      });
    });
    const producer = fixtureKafka(PRIMARY).producer();
    await producer.connect();
    for (const topic of topics.slice(0, 3))
      await producer.send({
        topic,
        messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      });
    await producer.disconnect();
    await registryTopic(PRIMARY, schemasTopic, schemaRecords(`${id}-value`));
    const writer = new GroupOffsetWriter('primary', sandboxConfig().clusters.primary!);
    await writer.commit(groups[0]!, [{ topic: topics[0]!, partition: 0, offset: 7n }]);
    await writer.commit(groups[1]!, [
      { topic: topics[1]!, partition: 0, offset: 3n },
      { topic: topics[1]!, partition: 1, offset: 5n },
      { topic: topics[2]!, partition: 2, offset: 1n },
    ]);
    await writer.commit(groups[2]!, [{ topic: topics[2]!, partition: 0, offset: 4n }]);
    await writer.close();
  });

  afterAll(async () => {
    for (const bs of [PRIMARY, DR]) await deleteAclsMatching(bs, id);
    await withAdmin(PRIMARY, (a) =>
      a.alterConfigs({
        validateOnly: false,
        resources: [{ type: brokerResource, name: '1', configEntries: [] }],
      }),
    );
    for (const b of [PRIMARY, DR])
      await withAdmin(b, async (a) => {
        const all = await a.listTopics();
        await a.deleteTopics({ topics: all.filter(mine) }).catch(() => undefined);
      });
  });

  it('backup primary: every topic with its configs, the ACLs, the offsets, the registry records; no secret', async () => {
    const r = await run(['backup', 'primary', '--topics', `${prefix}.*`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/50 topics, \d+ ACLs, 3 groups with offsets/);
    expect(r.stdout).toContain('quotas: client quotas are not exported');
    primaryBackup = load(r.stdout);
    const c = comparable(primaryBackup, mine);
    expect(c.topics).toHaveLength(50);
    expect(c.topics.find((t) => t.name === topics[0])).toEqual({
      name: topics[0],
      partitions: 1,
      replicationFactor: 1,
      overrides: { 'cleanup.policy': 'compact', 'max.message.bytes': '2097152', 'retention.ms': '3600000' },
    });
    expect(c.acls).toHaveLength(6);
    expect(c.groups.map((g) => g.groupId).sort()).toEqual([...groups].sort());
    // the compacted view: 2 versions and the config; version 3 was deleted by a tombstone
    expect(c.schemas).toHaveLength(3);
    const raw = readFileSync(join(dataDir, 'backups', `${primaryBackup.id}.json`), 'utf8');
    expect(raw).not.toContain(SECRET);
    expect(primaryBackup.content.brokers[0]!.configs[`kdr.test.token.${id}`]).toEqual({
      value: null,
      source: 'dynamic-broker',
      sensitive: true,
    });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('restore --to dr applies the plan and verifies it; backup dr equals backup primary; a second restore is empty', async () => {
    const dry = await run([
      'restore',
      primaryBackup.id,
      '--to',
      'dr',
      '--topics',
      `${prefix}.*`,
      '--dry-run',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/will do \(\d+\):/);
    expect(await withAdmin(DR, (a) => a.listTopics())).not.toContain(topics[0]); // a dry run writes nothing

    const r = await run(['restore', primaryBackup.id, '--to', 'dr', '--topics', `${prefix}.*`, '--yes']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('verification: a new plan against the live state is empty');
    expect(r.stdout).not.toContain('FAILED');

    const again = await run(['backup', 'dr', '--topics', `${prefix}.*`]);
    expect(again.code, again.stderr).toBe(0);
    const drBackup = load(again.stdout);
    const a = comparable(primaryBackup, mine);
    const b = comparable(drBackup, mine);
    expect(b.topics).toEqual(a.topics);
    expect(b.acls).toEqual(a.acls);
    expect(b.groups).toEqual(a.groups);
    expect(b.schemas).toEqual(a.schemas);

    const second = await run(['restore', primaryBackup.id, '--to', 'dr', '--topics', `${prefix}.*`, '--yes']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('will do: nothing');
  });

  it('backups lists both, verified', async () => {
    const r = await run(['backups']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(primaryBackup.id);
    expect(r.stdout).toMatch(/dr-\d{8}T\d{9}Z\s+dr\s/);
    expect(r.stdout).not.toContain('unusable');
  });
});
