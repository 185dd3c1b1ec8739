import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import {
  aclsMatching,
  backupIdFrom,
  DR,
  deleteAclsMatching,
  groupAcl,
  kdr,
  PRIMARY,
  tempDataDir,
  topicAcl,
  withAdmin,
  writeConfig,
} from '../helpers/backup-fixture.js';
import { type ExtraFlow, startExtraFlow } from '../helpers/extra-flow.js';
import { createTopics, eventually, sandboxConfig, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';

const { AclResourceTypes } = kafkajs;
const id = unique('dq').replace('-', '');
// a flow of its own, with MM2's topic-config sync off (as where configs are managed elsewhere): a change made by
// hand on dr stays there until someone notices. (With the sync on, MM2 reverts it within its interval.)
const alias = id.slice(0, 10);
const a = `${id}-a`;
const b = `${id}-b`;
const unmirrored = `unmirrored-${id}-c`;
const mirror = (t: string) => `${alias}.${t}`;
const topicsRegex = `(unmirrored-)?${id}-.*`;
const dataDir = tempDataDir();
const flowName = `${alias}-to-dr`;
let extra: ExtraFlow;
const acls = [topicAcl(`User:${id}-reader`, a, 'ALL'), groupAcl(`User:${id}-reader`, `${id}-g`)];
let configPath: string;
const drift = () => kdr(dataDir, ['drift', flowName], configPath);

/** AlterConfigs replaces a topic's overrides: read them, change one, write them all back. */
async function setOverride(bootstrap: string, topic: string, key: string, value: string | null) {
  await withAdmin(bootstrap, async (admin) => {
    const d = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] });
    const current = d.resources[0]!.configEntries.filter((e) => e.configSource === 1).map((e) => ({
      name: e.configName,
      value: e.configValue,
    }));
    const next = current.filter((e) => e.name !== key);
    if (value !== null) next.push({ name: key, value });
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: topic, configEntries: next }],
    });
  });
}

describe("drift between a flow's source and target (real Kafka, real MM2)", () => {
  beforeAll(async () => {
    extra = await startExtraFlow(
      alias,
      topicsRegex,
      { type: 'default', separator: '.' },
      { 'sync.topic.configs.enabled': 'false' },
    );
    configPath = writeConfig(dataDir, {
      clusters: {
        primary: { bootstrap: [PRIMARY] },
        dr: { bootstrap: [DR], connect: { url: 'http://127.0.0.1:18083' } },
        [alias]: { bootstrap: [PRIMARY] },
      },
      flows: [
        {
          name: flowName,
          source: alias,
          target: 'dr',
          topics: topicsRegex,
          groups: `${id}-.*`,
          driftCheck: { every: 'off' },
          mm2: { mode: 'connect', connectors: { source: `${alias}->dr.MirrorSourceConnector` } },
        },
      ],
    });
    await withAdmin(PRIMARY, (admin) =>
      createTopics(admin, {
        topics: [
          { topic: a, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
          { topic: b, numPartitions: 1 },
        ],
      }),
    );
    // MM2 creates the mirrors and copies the topic-level configs
    await eventually('MM2 to mirror both topics with their configs', 60_000, () =>
      withAdmin(DR, async (admin) => {
        const topics = await admin.listTopics();
        if (!topics.includes(mirror(a)) || !topics.includes(mirror(b))) return undefined;
        const d = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2, name: mirror(a) }],
        });
        return d.resources[0]!.configEntries.some(
          (e) => e.configName === 'retention.ms' && e.configValue === '3600000',
        )
          ? true
          : undefined;
      }),
    );
  });

  afterAll(async () => {
    for (const bs of [PRIMARY, DR]) await deleteAclsMatching(bs, id);
    await extra?.stop();
    for (const bs of [PRIMARY, DR])
      await withAdmin(bs, async (admin) => {
        await admin
          .deleteTopics({ topics: (await admin.listTopics()).filter((x) => x.includes(id)) })
          .catch(() => undefined);
      });
  });

  it('stays quiet on an identical pair', async () => {
    const r = await drift();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^${flowName} \\(${alias} → dr\\): no drift across 3 mirrored topic\\(s\\)`),
    );
    expect(r.stdout).not.toContain('DRIFT');
  });

  it('reports a config changed by hand on dr and an unmirrored source topic; says which rule ignored what', async () => {
    await setOverride(DR, mirror(a), 'max.message.bytes', '2000000');
    await setOverride(DR, mirror(a), 'unclean.leader.election.enable', 'true');
    await withAdmin(PRIMARY, async (admin) => {
      await createTopics(admin, { topics: [{ topic: unmirrored, numPartitions: 1 }] });
      await admin.createAcls({ acl: acls });
    });
    const r = await drift();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `DRIFT config: ${mirror(a)} max.message.bytes: 2000000 on dr, 1048588 on ${alias}`,
    );
    expect(r.stdout).toContain(
      `DRIFT missing-topic: ${unmirrored} on ${alias} is not mirrored: ${mirror(unmirrored)} does not exist on dr`,
    );
    expect(r.stdout).toMatch(
      new RegExp(
        `ignored 1 by rule mm2-config-exclude .*unclean\\.leader\\.election\\.enable: true on dr, false on ${alias}`,
      ),
    );
    expect(r.stdout).toContain(
      `DRIFT acl-missing: ACL allow User:${id}-reader read on topic ${mirror(a)} (from literal ${a} on ${alias}) is missing on dr`,
    );
    expect(r.stdout).toContain(
      `DRIFT acl-missing: ACL allow User:${id}-reader read on group ${id}-g is missing on dr`,
    );
    expect(r.stdout).toMatch(/4 difference\(s\) \(1 config, 1 missing-topic, 2 acl-missing\)/);
  });

  it('the scheduled check alerts on new drift once, and says when it cleared', async () => {
    let rig: SlackRig | undefined;
    try {
      const base = loadConfig(configPath, process.env);
      const config = {
        ...base,
        flows: base.flows.map((f) => ({ ...f, driftCheck: { every: 1000 } })),
        slack: { ...sandboxConfig().slack!, channels: { ops: 'C0DRIFT' } },
      };
      rig = await startSlackRig({ config, withHealth: true });
      const alerts = () =>
        rig!.emulator.state.messages.filter(
          (m) => m.channel === 'C0DRIFT' && m.text.includes(`drift on ${flowName}`),
        );
      const first = await eventually('a drift alert', 30_000, async () => alerts()[0]);
      expect(first.text).toContain(`new drift on ${flowName} (${alias} → dr): 4 difference(s)`);
      await new Promise((r) => setTimeout(r, 3500)); // three more checks
      expect(alerts()).toHaveLength(1);

      await setOverride(DR, mirror(a), 'max.message.bytes', null);
      await withAdmin(PRIMARY, (admin) => admin.deleteTopics({ topics: [unmirrored] }));
      // the ACLs: restored from a backup of the source through the flow's naming (as MM2's ACL sync would write them)
      const backup = await kdr(
        dataDir,
        ['backup', alias, '--topics', topicsRegex, '--only', 'acls'],
        configPath,
      );
      expect(backup.code, backup.stderr).toBe(0);
      const restore = await kdr(
        dataDir,
        ['restore', backupIdFrom(backup.stdout), '--to', 'dr', '--map', '--only', 'acls', '--yes'],
        configPath,
      );
      expect(restore.code, restore.stderr).toBe(0);
      // the restore's summary names only a few bindings (the shared sandbox holds other tests' group ACLs too):
      // the cluster itself says whether the mapped topic ACL is there
      const onDr = await withAdmin(DR, (admin) => aclsMatching(admin, `${id}-reader`));
      expect(
        onDr.some(
          (x) =>
            x.resourceName === mirror(a) &&
            x.principal === `User:${id}-reader` &&
            x.resourceType === AclResourceTypes.TOPIC,
        ),
        JSON.stringify(onDr),
      ).toBe(true);
      expect(restore.stdout).toContain('verification: a new plan against the live state is empty');
      const cleared = await eventually('the all-clear', 30_000, async () =>
        rig!.emulator.state.messages.find(
          (m) => m.channel === 'C0DRIFT' && m.text.includes(`no drift on ${flowName} any more`),
        ),
      );
      expect(cleared).toBeDefined();
      expect(alerts().filter((m) => m.text.includes('new drift'))).toHaveLength(1);
    } finally {
      await rig?.stop();
    }
  });
});
