import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { stringify } from 'yaml';
import type { Manifest } from '../../src/backup/manifest.js';
import { runKdr } from './cli.js';
import { createTopics, fixtureKafka, SANDBOX_CONFIG } from './sandbox.js';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes, ConfigResourceTypes } =
  kafkajs;

export const PRIMARY = '127.0.0.1:19092';
export const DR = '127.0.0.1:29092';

/** A fresh data dir (backups, audit file) for one test file. */
export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'kdr-backup-'));

/** `kdr <args> --config <sandbox or given>` with the data dir; returns the CLI's result. */
export function kdr(dataDir: string, args: string[], config = SANDBOX_CONFIG) {
  return runKdr([...args, '--config', config], {
    KDR_DATA_DIR: dataDir,
    KDR_QUEUE_PREFIX: 'kdr-test-backup',
  });
}

/** A config file: the sandbox's clusters and flow plus `extra` (raw YAML tree merged at the top level). */
export function writeConfig(dir: string, extra: Record<string, unknown>): string {
  const base = {
    clusters: {
      primary: { bootstrap: [PRIMARY] },
      dr: { bootstrap: [DR], connect: { url: 'http://127.0.0.1:18083' } },
    },
    flows: [
      {
        name: 'primary-to-dr',
        source: 'primary',
        target: 'dr',
        mm2: {
          mode: 'connect',
          connectors: {
            source: 'primary->dr.MirrorSourceConnector',
            checkpoint: 'primary->dr.MirrorCheckpointConnector',
          },
        },
      },
    ],
    redis: { url: process.env.KDR_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    dataDir: dir,
  };
  const path = join(dir, `kdr-${Math.random().toString(36).slice(2, 8)}.yaml`);
  writeFileSync(path, stringify({ ...base, ...extra }));
  return path;
}

export async function withAdmin<T>(
  bootstrap: string,
  work: (a: ReturnType<ReturnType<typeof fixtureKafka>['admin']>) => Promise<T>,
): Promise<T> {
  const admin = fixtureKafka(bootstrap).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export type Admin = Parameters<Parameters<typeof withAdmin>[1]>[0];

export function topicAcl(
  principal: string,
  topic: string,
  operation: keyof typeof AclOperationTypes,
  prefixed = false,
  deny = false,
) {
  return {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: topic,
    resourcePatternType: prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation: AclOperationTypes[operation],
    permissionType: deny ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
  };
}

export function groupAcl(principal: string, group: string) {
  return {
    resourceType: AclResourceTypes.GROUP,
    resourceName: group,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

export const brokerResource = ConfigResourceTypes.BROKER;

/** The id printed by `kdr backup` ("backup <id> of <cluster> …"). */
export function backupIdFrom(stdout: string): string {
  const m = /^backup (\S+) of /m.exec(stdout);
  if (!m) throw new Error(`no backup id in: ${stdout}`);
  return m[1]!;
}

/** A manifest minus what differs between clusters by nature (ids, times, checksums, cluster ids), filtered to one test's names. */
export function comparable(m: Manifest, mine: (name: string) => boolean) {
  return {
    topics: m.content.topics
      .filter((t) => mine(t.name))
      .map((t) => ({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: t.replicationFactor,
        overrides: Object.fromEntries(
          Object.entries(t.configs)
            .filter(([, v]) => v.source === 'topic')
            .map(([k, v]) => [k, v.value]),
        ),
      })),
    acls: m.content.acls.filter((a) => mine(a.resourceName) || mine(a.principal)),
    groups: m.content.groups
      .filter((g) => mine(g.groupId))
      .map((g) => ({ groupId: g.groupId, offsets: g.offsets })),
    schemas: (m.content.schemas?.records ?? [])
      .filter((r) => mine(Buffer.from(r.key ?? '', 'base64').toString()))
      .map((r) => ({ key: r.key, value: r.value })),
  };
}

/** The ACL bindings whose principal or resource name contains `marker` (the sandbox is shared). */
export async function aclsMatching(admin: Admin, marker: string) {
  const { resources } = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return resources.flatMap((r) =>
    r.acls
      .filter((a) => r.resourceName.includes(marker) || a.principal.includes(marker))
      .map((a) => ({
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        resourcePatternType: r.resourcePatternType,
        principal: a.principal,
        host: a.host,
        operation: a.operation,
        permissionType: a.permissionType,
      })),
  );
}

/** Removes the ACLs whose principal or resource name contains `marker` (test hygiene: the sandbox is shared). */
export async function deleteAclsMatching(bootstrap: string, marker: string): Promise<void> {
  await withAdmin(bootstrap, async (admin) => {
    const filters = await aclsMatching(admin, marker);
    for (let i = 0; i < filters.length; i += 250)
      await admin.deleteAcls({ filters: filters.slice(i, i + 250) });
  });
}

/** A schema registry's storage topic (one compacted partition) on `bootstrap`, holding `records` in order. */
export async function registryTopic(
  bootstrap: string,
  topic: string,
  records: Array<{ key: string; value: string | null }>,
): Promise<void> {
  await withAdmin(bootstrap, (a) =>
    createTopics(a, {
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    }),
  );
  const producer = fixtureKafka(bootstrap).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: records.map((r) => ({ ...r, partition: 0 })) });
  } finally {
    await producer.disconnect();
  }
}
