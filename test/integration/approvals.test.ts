import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBlockAction, sendSlashCommand } from '../../src/emulator/slash.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ResourceLocks } from '../../src/locks/resource-lock.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { findViolations } from '../../src/slack/block-limits.js';
import {
  approvalConfig,
  askCommit,
  click,
  ephemeralsTo,
  messageText,
  threadOf,
} from '../helpers/approvals.js';
import { trailOf } from '../helpers/audit.js';
import { runKdr } from '../helpers/cli.js';
import { eventually, ROOT, SANDBOX_CONFIG, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';
import { checkpointedGroups } from '../helpers/translate-fixture.js';

const config = approvalConfig(8000);
const flow = config.flows[0]!;
const topic = unique('ap');
const groups = Array.from({ length: 6 }, (_, i) => unique(`ap-g${i}`));
const dr = new ClusterReader('dr', config.clusters.dr!);
let rig: SlackRig;
let expected: number[];

const drOffsets = async (g: string) =>
  (await dr.groupOffsets(g)).map((c) => Number(c.offset)).sort((a, b) => a - b);
async function auditOf(planId: string) {
  const redis = await connectRedis(config.redis.url!);
  try {
    const all = await trailOf(redis, rig.prefix).read();
    return { verified: all.verified, entries: all.entries.filter((e) => e.planId === planId) };
  } finally {
    redis.disconnect();
  }
}

beforeAll(async () => {
  expected = (await checkpointedGroups(config, flow, topic, 2, 10, groups, 2)).offsets;
  expected.sort((a, b) => a - b);
  rig = await startSlackRig({ config });
}, 240_000);

afterAll(async () => {
  await rig?.stop();
  await dr.close();
});

describe('approvals over signed HTTP requests, with the real bot, worker, Redis and Kafka', () => {
  it('requester and non-approvers are refused (ephemeral); an approver from a user group approves; it runs once', async () => {
    const p = await askCommit(rig, groups[0]!, 'C0APPR1');
    expect(
      findViolations(
        JSON.parse(JSON.stringify(rig.emulator.state.messages.find((m) => m.ts === p.ts)!.blocks)),
      ),
    ).toEqual([]);
    expect(messageText(rig, p)).toContain('Approval needed');

    expect((await click(rig, p, 'U0ALICE')).status).toBe(200);
    await eventually('two-person refusal', 10_000, async () =>
      ephemeralsTo(rig, 'U0ALICE', 'C0APPR1').find((t) => t.includes('two-person rule')),
    );
    expect((await click(rig, p, 'U0CAROL')).status).toBe(200);
    await eventually('non-approver refusal', 10_000, async () =>
      ephemeralsTo(rig, 'U0CAROL', 'C0APPR1').find((t) => t.includes('only approvers may approve')),
    );
    expect(await drOffsets(groups[0]!)).toEqual([]);

    expect((await click(rig, p, 'U0DAVE')).status).toBe(200); // member of S0DRLEADS
    await eventually('the result in the message', 60_000, async () =>
      messageText(rig, p).includes('Done: committed 2 partition(s)') ? true : undefined,
    );
    expect(messageText(rig, p)).toContain('Approved by <@U0DAVE>');
    expect(await drOffsets(groups[0]!)).toEqual(expected);

    const audit = await auditOf(p.planId);
    expect(audit.verified).toBe(true);
    expect(audit.entries.map((e) => `${e.action}:${e.outcome.split(':')[0]}`)).toEqual([
      'plan.create:pending',
      'plan.approve:refused',
      'plan.approve:refused',
      'plan.approve:approved',
      'plan.execute:started',
      'plan.execute:executed',
    ]);
    // every entry about the message is also posted in its thread (paced at about 1 post/s per channel)
    const thread = await eventually('the audit trail in the thread', 30_000, async () => {
      const t = threadOf(rig, p);
      return t.some((x) => x.includes('plan.execute: executed')) ? t : undefined;
    });
    expect(thread.filter((x) => x.includes('plan.approve: refused'))).toHaveLength(2);

    // /kdr audit <plan>: a summary in the channel, the whole trail as a file, no secret in either
    const r = await sendSlashCommand({
      appUrl: rig.appUrl,
      signingSecret: rig.signingSecret,
      text: `audit ${p.planId.slice(0, 8)}`,
      channelId: 'C0AUDIT',
      responseUrlBase: `${rig.emulator.url}/response`,
    });
    expect(r.status).toBe(200);
    const file = await eventually('the audit file', 30_000, async () =>
      [...rig.emulator.state.files.values()].find((f) => f.channel === 'C0AUDIT'),
    );
    const lines = file.content!.split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.action)).toEqual(audit.entries.map((e) => e.action));
    const posted = JSON.stringify(rig.emulator.state.messages.filter((m) => m.channel === 'C0AUDIT'));
    expect(posted).toContain('hash chain verifies');
    for (const secret of [rig.botToken, rig.signingSecret]) {
      expect(file.content).not.toContain(secret);
      expect(posted).not.toContain(secret);
    }
  });

  it('20 concurrent Approve clicks from approvers: exactly one execution', async () => {
    const p = await askCommit(rig, groups[1]!, 'C0APPR2');
    const clicks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => click(rig, p, i % 2 ? 'U0BOB' : 'U0DAVE')),
    );
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    await eventually('executed', 60_000, async () =>
      messageText(rig, p).includes('Done:') ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const audit = await auditOf(p.planId);
    expect(audit.entries.filter((e) => e.action === 'plan.approve' && e.outcome === 'approved')).toHaveLength(
      1,
    );
    expect(
      audit.entries.filter((e) => e.action === 'plan.execute' && e.outcome.startsWith('executed')),
    ).toHaveLength(1);
    expect(audit.entries.filter((e) => e.action === 'plan.execute' && e.outcome === 'started')).toHaveLength(
      1,
    );
    expect(await drOffsets(groups[1]!)).toEqual(expected);
  });

  it('a rejected plan cannot be approved afterwards; nothing runs', async () => {
    const p = await askCommit(rig, groups[2]!, 'C0APPR3');
    await click(rig, p, 'U0BOB', 'reject');
    await eventually('rejected in the message', 20_000, async () =>
      messageText(rig, p).includes('Rejected by <@U0BOB>') ? true : undefined,
    );
    await click(rig, p, 'U0DAVE');
    await eventually('already rejected', 10_000, async () =>
      ephemeralsTo(rig, 'U0DAVE', 'C0APPR3').find((t) => t.includes('already rejected')),
    );
    expect(await drOffsets(groups[2]!)).toEqual([]);
  });

  it('an expired plan is refused and the message says so', async () => {
    const p = await askCommit(rig, groups[3]!, 'C0APPR4');
    await new Promise((r) => setTimeout(r, 9000));
    await click(rig, p, 'U0BOB');
    await eventually('expired ephemeral', 10_000, async () =>
      ephemeralsTo(rig, 'U0BOB', 'C0APPR4').find((t) => t.includes('expired')),
    );
    await eventually('expired in the message', 10_000, async () =>
      messageText(rig, p).includes('Expired') ? true : undefined,
    );
    expect(await drOffsets(groups[3]!)).toEqual([]);
  });

  it('forged signature or stale timestamp: 401; an unknown plan id: refused; nothing runs', async () => {
    const p = await askCommit(rig, groups[4]!, 'C0APPR5');
    const base = {
      appUrl: rig.appUrl,
      signingSecret: rig.signingSecret,
      userId: 'U0BOB',
      channelId: p.channel,
      messageTs: p.ts,
      actionId: 'kdr_approve',
      value: p.planId,
    };
    expect((await sendBlockAction({ ...base, signatureOverride: `v0=${'1'.repeat(64)}` })).status).toBe(401);
    expect((await sendBlockAction({ ...base, timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(
      401,
    );
    expect((await sendBlockAction({ ...base, value: '00000000-0000-4000-8000-000000000000' })).status).toBe(
      200,
    );
    await eventually('unknown plan refusal', 10_000, async () =>
      ephemeralsTo(rig, 'U0BOB', 'C0APPR5').find((t) => t.includes('kdr has no plan')),
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(await drOffsets(groups[4]!)).toEqual([]);
    expect(messageText(rig, p)).toContain('Waiting for 1 more approval');
  });

  it('a newer plan for the same group replaces the pending one: its message loses the buttons and says so', async () => {
    const first = await askCommit(rig, groups[4]!, 'C0APPR7');
    const second = await askCommit(rig, groups[4]!, 'C0APPR8');
    await eventually('the first message replaced', 20_000, async () =>
      messageText(rig, first).includes('Replaced by a newer plan') ? true : undefined,
    );
    expect(messageText(rig, first)).not.toContain('kdr_approve');
    expect(messageText(rig, first)).toContain(second.planId.slice(0, 8));
    await click(rig, first, 'U0BOB');
    await eventually('already superseded', 10_000, async () =>
      ephemeralsTo(rig, 'U0BOB', 'C0APPR7').find((t) => t.includes('already superseded')),
    );
    expect(await drOffsets(groups[4]!)).toEqual([]);
  });

  it('a held lock is shown with holder and age; breaking it is its own approved, audited action', async () => {
    const redis = await connectRedis(config.redis.url!);
    const locks = new ResourceLocks(redis, rig.prefix);
    const resource = `translate:primary-to-dr:dr:${unique('stuck')}`;
    try {
      const held = await locks.acquire(
        resource,
        {
          who: 'cli:ops@host-a',
          what: 'translate --commit stuck',
          pid: 4242,
          host: 'host-a',
          at: new Date().toISOString(),
        },
        600_000,
      );
      expect(held.ok).toBe(true);
      const list = await runKdr(['unlock', '--config', SANDBOX_CONFIG], { KDR_QUEUE_PREFIX: rig.prefix });
      expect(list.stdout).toContain(resource);
      expect(list.stdout).toContain('cli:ops@host-a');

      const r = await sendSlashCommand({
        appUrl: rig.appUrl,
        signingSecret: rig.signingSecret,
        text: `unlock ${resource}`,
        userId: 'U0ALICE',
        channelId: 'C0UNLOCK',
        responseUrlBase: `${rig.emulator.url}/response`,
      });
      expect(r.status).toBe(200);
      const p = await eventually('the approval message', 30_000, async () => {
        const m = rig.emulator.state.messages.find(
          (x) => x.channel === 'C0UNLOCK' && !x.threadTs && !x.ephemeralTo,
        );
        const actions = (
          m?.blocks as Array<{ type: string; elements?: Array<{ value?: string }> }> | undefined
        )?.find((b) => b.type === 'actions');
        return m && actions
          ? { planId: actions.elements![0]!.value!, ts: m.ts, channel: 'C0UNLOCK' }
          : undefined;
      });
      expect(messageText(rig, p)).toContain('cli:ops@host-a');
      expect(await locks.holder(resource)).toBeDefined();
      await click(rig, p, 'U0BOB');
      await eventually('lock broken', 30_000, async () =>
        messageText(rig, p).includes(`Done: lock ${resource} broken`) ? true : undefined,
      );
      expect(await locks.holder(resource)).toBeUndefined();
      const audit = await auditOf(p.planId);
      expect(audit.entries.map((e) => e.action)).toEqual([
        'plan.create',
        'plan.approve',
        'plan.execute',
        'plan.execute',
      ]);
    } finally {
      redis.disconnect();
    }
  });

  // last: it closes the rig's execution worker
  it('a worker killed (SIGKILL) before the approval: the job runs once when a worker process comes back', async () => {
    // the only execution worker is a separate `kdr worker` process: the in-process one stops here
    await rig.runtime.execWorker!.close();
    const env = {
      SLACK_BOT_TOKEN: rig.botToken,
      SLACK_SIGNING_SECRET: rig.signingSecret,
      SLACK_API_URL: rig.emulator.apiUrl,
      PORT: '3990',
      KDR_METRICS_PORT: '0',
      KDR_QUEUE_PREFIX: rig.prefix,
    };
    const startWorker = () =>
      spawn(process.execPath, [resolve(ROOT, 'bin/kdr.js'), 'worker', '--config', SANDBOX_CONFIG], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
    const first = startWorker();
    await new Promise((r) => setTimeout(r, 3000));
    first.kill('SIGKILL');
    await new Promise((r) => first.on('close', r));

    const p = await askCommit(rig, groups[5]!, 'C0APPR6');
    await click(rig, p, 'U0BOB');
    await eventually('approved', 20_000, async () =>
      messageText(rig, p).includes('queued for execution') ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(await drOffsets(groups[5]!)).toEqual([]);

    const second = startWorker();
    try {
      await eventually('executed by the new worker', 60_000, async () => {
        const audit = await auditOf(p.planId);
        return audit.entries.some((e) => e.outcome.startsWith('executed')) ? audit : undefined;
      });
      await new Promise((r) => setTimeout(r, 2000));
      const audit = await auditOf(p.planId);
      expect(audit.verified).toBe(true);
      expect(audit.entries.map((e) => `${e.action}:${e.outcome.split(':')[0]}`)).toEqual([
        'plan.create:pending',
        'plan.approve:approved',
        'plan.execute:started',
        'plan.execute:executed',
      ]);
      expect(await drOffsets(groups[5]!)).toEqual(expected);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.on('close', r));
    }
  });
});
