import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSlashCommand } from '../../src/emulator/slash.js';
import { findViolations } from '../../src/slack/block-limits.js';
import { approvalConfig, askPlan, click, messageText } from '../helpers/approvals.js';
import { DR, kdr, PRIMARY, tempDataDir, withAdmin } from '../helpers/backup-fixture.js';
import { createTopics, eventually, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';

const id = unique('sl').replace('-', '');
const topic = `unmirrored-${id}-orders`;
const REGISTRY_PASSWORD = `registry-pw-${id}`;
let rig: SlackRig;

const slash = (text: string, channelId: string, userId = 'U0ALICE') =>
  sendSlashCommand({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    text,
    channelId,
    userId,
    responseUrlBase: `${rig.emulator.url}/response`,
  });

beforeAll(async () => {
  const base = approvalConfig(60_000);
  const config = {
    ...base,
    dataDir: tempDataDir(),
    clusters: {
      ...base.clusters,
      primary: {
        ...base.clusters.primary!,
        schemaRegistry: {
          url: 'http://registry.internal:8081',
          username: 'kdr',
          password: REGISTRY_PASSWORD,
        },
      },
    },
  };
  rig = await startSlackRig({ config });
  await withAdmin(PRIMARY, (a) =>
    createTopics(a, {
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
    }),
  );
});

afterAll(async () => {
  await rig?.stop();
  for (const b of [PRIMARY, DR])
    await withAdmin(b, async (a) => {
      await a
        .deleteTopics({ topics: (await a.listTopics()).filter((t) => t.includes(id)) })
        .catch(() => undefined);
    });
});

describe('backup and restore from Slack (signed requests, real bot, worker, Redis, Kafka)', () => {
  let backupId: string;

  it('/kdr backup posts a summary and the manifest as a file; no secret in either', async () => {
    const r = await slash(`backup primary --topics unmirrored-${id}-.*`, 'C0BACKUP');
    expect(r.status).toBe(200);
    const msg = await eventually('the backup summary', 60_000, async () => {
      const found = rig.emulator.state.messages.find(
        (m) => m.channel === 'C0BACKUP' && /\nbackup primary-/.test(m.text),
      );
      if (!found)
        throw new Error(
          JSON.stringify([r.body, rig.emulator.state.messages.map((m) => [m.channel, m.text])]).slice(
            0,
            3000,
          ),
        );
      return found;
    });
    expect(msg.text).toMatch(/^backup (primary-\d{8}T\d{9}Z): 1 topics, /m);
    backupId = /^backup (\S+):/m.exec(msg.text)![1]!;
    expect(findViolations(msg.blocks as never)).toEqual([]);
    const file = await eventually('the manifest file', 30_000, async () =>
      [...rig.emulator.state.files.values()].find((f) => f.filename === `${backupId}.json`),
    );
    const manifest = JSON.parse(file.content!);
    expect(manifest.content.topics.map((t: { name: string }) => t.name)).toEqual([topic]);
    expect(manifest.content.skipped.map((s: { part: string }) => s.part)).toContain('schemas.rest');
    const everything =
      JSON.stringify(rig.emulator.state.messages) + JSON.stringify([...rig.emulator.state.files.values()]);
    for (const secret of [REGISTRY_PASSWORD, rig.botToken, rig.signingSecret])
      expect(everything).not.toContain(secret);
  });

  it('/kdr restore asks for approval; the requester cannot approve; another approver does and it runs once', async () => {
    const plan = await askPlan(
      rig,
      `restore ${backupId} --to dr --topics unmirrored-${id}-.* --only topics,configs`,
      'C0RESTORE',
      'U0ALICE',
    );
    expect(messageText(rig, plan)).toContain(
      `create topic ${topic} (3 partition(s), RF 1, retention.ms=86400000)`,
    );
    expect((await withAdmin(DR, (a) => a.listTopics())).includes(topic)).toBe(false);

    await click(rig, plan, 'U0ALICE');
    await eventually('the two-person refusal', 20_000, async () =>
      rig.emulator.state.messages.find((m) => m.ephemeralTo === 'U0ALICE' && m.channel === 'C0RESTORE')
        ? true
        : undefined,
    );
    expect((await withAdmin(DR, (a) => a.listTopics())).includes(topic)).toBe(false);

    await Promise.all([click(rig, plan, 'U0BOB'), click(rig, plan, 'U0BOB')]);
    await eventually('the executed restore in the message', 60_000, async () =>
      messageText(rig, plan).includes('verified: a new plan is empty') ? true : undefined,
    );
    expect(messageText(rig, plan)).toMatch(/applied 1 action\(s\) on dr/);
    const meta = await withAdmin(DR, (a) => a.fetchTopicMetadata({ topics: [topic] }));
    expect(meta.topics[0]!.partitions).toHaveLength(3);

    // nothing left to do: the same request now answers with an empty plan instead of asking again
    const before = rig.emulator.state.messages.filter((m) => m.channel === 'C0RESTORE2').length;
    await slash(
      `restore ${backupId} --to dr --topics unmirrored-${id}-.* --only topics,configs`,
      'C0RESTORE2',
    );
    const empty = await eventually('the empty plan', 60_000, async () =>
      rig.emulator.state.messages
        .filter((m) => m.channel === 'C0RESTORE2')
        .slice(before)
        .find((m) => m.text.includes('\nrestore plan')),
    );
    expect(empty.text).toContain('0 action(s)');
  });

  it('/kdr drift answers with a summary line and the differences in the message', async () => {
    const r = await slash('drift', 'C0DRIFTQ');
    expect(r.status).toBe(200);
    const msg = await eventually('the drift summary', 60_000, async () =>
      rig.emulator.state.messages.find(
        (m) => m.channel === 'C0DRIFTQ' && /\nprimary-to-dr \(primary → dr\): /.test(m.text),
      ),
    );
    // this file's topic on primary is excluded from the sandbox's MM2: the summary counts it, the detail names it
    expect(msg.text).toMatch(/\d+ difference\(s\) \(.*missing-topic.*\) across \d+ mirrored topic\(s\)/);
    expect(JSON.stringify(msg.blocks)).toContain(`DRIFT missing-topic: ${topic} on primary is not mirrored`);
    expect(findViolations(msg.blocks as never)).toEqual([]);
  });

  it('a scheduled backup (backup.schedule) posts its summary and manifest to the ops channel', async () => {
    const base = approvalConfig(60_000);
    const dataDir = tempDataDir();
    const scheduled = await startSlackRig({
      withHealth: true,
      config: {
        ...base,
        dataDir,
        flows: base.flows.map((f) => ({ ...f, driftCheck: { every: 'off' as const } })),
        slack: { ...base.slack!, channels: { ops: 'C0SCHED' } },
        backup: {
          retain: 2,
          schemasTopic: '_schemas',
          schedule: [{ cluster: 'primary', every: 1000, topics: `unmirrored-${id}-.*` }],
        },
      },
    });
    try {
      const posted = await eventually('three scheduled backups', 60_000, async () => {
        const ms = scheduled.emulator.state.messages.filter(
          (m) => m.channel === 'C0SCHED' && m.text.startsWith('backup primary-'),
        );
        return ms.length >= 3 ? ms : undefined;
      });
      expect(posted[0]!.text).toMatch(/^backup primary-\d{8}T\d{9}Z: 1 topics, /);
      const files = [...scheduled.emulator.state.files.values()].filter((f) => f.channel === 'C0SCHED');
      expect(files.length).toBeGreaterThanOrEqual(2);
      expect(JSON.parse(files[0]!.content!).content.topics[0].name).toBe(topic);
      // retention: never more than backup.retain manifests of the cluster on disk
      const listed = await kdr(dataDir, ['backups', 'primary']);
      expect(listed.stdout.match(/^primary-\d{8}T\d{9}Z/gm)!.length).toBeLessThanOrEqual(2);
    } finally {
      await scheduled.stop();
    }
  });
});
