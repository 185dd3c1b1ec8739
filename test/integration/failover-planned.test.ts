import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { HealthStore } from '../../src/health/health-store.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { approvalConfig, ephemeralsTo } from '../helpers/approvals.js';
import { trailOf } from '../helpers/audit.js';
import { aclsMatching, deleteAclsMatching, topicAcl, withAdmin } from '../helpers/backup-fixture.js';
import { runKdr } from '../helpers/cli.js';
import {
  abortThroughSlack,
  approveAll,
  clickButton,
  clickRunButton,
  currentButton,
  failoverConfigFile,
  failoverFlow,
  liveConsumer,
  runMessageText,
  saslProducer,
  slash,
  startTraffic,
} from '../helpers/failover-fixture.js';
import { eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fo-'));
const base = sandboxConfig();
const PRIMARY = base.clusters.primary!.bootstrap[0]!;
const DR = base.clusters.dr!.bootstrap[0]!;
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const flowWithGroups = (n: number) => failoverFlow(dir, n, cleanups);

const connectorStates = async (alias: string) =>
  Promise.all(
    [`${alias}->dr.MirrorSourceConnector`, `${alias}->dr.MirrorCheckpointConnector`].map(
      async (n) => (await rest.connectorStatus(n)).state,
    ),
  );

async function readAllValues(topic: string): Promise<string[]> {
  const r = new ClusterReader('dr', base.clusters.dr!);
  const out: string[] = [];
  try {
    await r.readAll(topic, (rec) => void out.push(String(rec.value)));
  } finally {
    await r.close();
  }
  return out;
}

const runId = (rig: SlackRig, channel: string) =>
  /run (r-[0-9a-f]{8})/.exec(runMessageText(rig, channel))?.[1];

describe('the staged failover runbook on the real sandbox, through Slack', () => {
  it('planned failover, nothing lost: 50 groups, live traffic, each step approved by another person', async () => {
    const f = await flowWithGroups(49);
    const live = `${f.alias}-g-live`;
    const config = approvalConfig(
      600_000,
      loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: unique('kdr-fo') }),
    );
    const rig = await startSlackRig({ config });
    cleanups.push(() => rig.stop());
    const traffic = startTraffic(PRIMARY, f.topic, f.stopFile, 2);
    const onPrimary = await liveConsumer(PRIMARY, live, f.topic);
    cleanups.push(() => onPrimary.stop());
    await eventually('live traffic and consumption', 30_000, async () =>
      traffic.acked.length > 200 && onPrimary.read.length > 100 ? true : undefined,
    );
    await eventually('the live group checkpointed', 60_000, async () => {
      const r = await runKdr(['translate', live, '--json', '--config', f.file], {
        KDR_QUEUE_PREFIX: rig.prefix,
      });
      return r.code === 0 &&
        JSON.parse(r.stdout).groups[0]?.rows.some((x: { translated: number | null }) => x.translated !== null)
        ? true
        : undefined;
    });

    expect((await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS')).status).toBe(200);
    const first = await eventually('the freeze approval in the run message', 60_000, async () => {
      const b = currentButton(rig, 'C0FOINC');
      return b && runMessageText(rig, 'C0FOINC').includes('freeze') && b.label.startsWith('Approve')
        ? b
        : undefined;
    });
    const id = runId(rig, 'C0FOINC')!;
    // a second failover on the same pair names the running one; the requester cannot approve her own step
    await slash(rig, `failover ${f.flow}`, 'U0CAROL', 'C0FOOPS');
    await eventually('the second failover refused', 30_000, async () =>
      rig.emulator.state.messages.find(
        (m) => m.channel === 'C0FOOPS' && m.text.includes(`run ${id}`) && m.text.includes('refused'),
      ),
    );
    // manual offset commits on the pair's clusters are refused while the run holds them
    const manual = await runKdr(['translate', f.groups[0]!, '--commit', '--yes', '--config', f.file], {
      KDR_QUEUE_PREFIX: rig.prefix,
    });
    expect(manual.code).toBe(1);
    expect(manual.stderr).toContain(`run ${id} holds dr`);
    await clickButton(rig, 'C0FOINC', first, 'U0ALICE');
    await eventually('two-person refusal', 15_000, async () =>
      ephemeralsTo(rig, 'U0ALICE', 'C0FOINC').find((t) => t.includes('two-person rule')),
    );

    let onDr: Awaited<ReturnType<typeof liveConsumer>> | undefined;
    let movedOn = false;
    const show = async () =>
      JSON.parse(
        (await runKdr(['runbook', id, '--json', '--config', f.file], { KDR_QUEUE_PREFIX: rig.prefix }))
          .stdout,
      ).run;
    await approveAll(
      rig,
      'C0FOINC',
      'U0BOB',
      async () => ['completed', 'failed', 'aborted'].includes((await show()).state),
      async (label) => {
        if (label === 'Approve offsets' && !movedOn) {
          movedOn = true;
          // one group consumed 3 more records after MM2's last checkpoint of it (the checkpoint connector is
          // stopped by now): MM2's checkpoint would make it read those 3 again on DR; kdr proves its exact
          // position instead. The plan was made before the commit: it is planned again and approved again.
          const reader = new ClusterReader('primary', base.clusters.primary!);
          const at = (await reader.groupOffsets(f.groups[0]!)).find((o) => o.partition === 0)!;
          await reader.close();
          const writer = new GroupOffsetWriter('primary', base.clusters.primary!);
          await writer.commit(f.groups[0]!, [{ topic: f.topic, partition: 0, offset: at.offset + 3n }]);
          await writer.close();
        }
        if (label.startsWith('Confirm')) {
          // the clients switch: the live group stops on primary and starts on DR at the translated offsets
          await onPrimary.stop();
          onDr = await liveConsumer(DR, live, `${f.alias}.${f.topic}`);
          cleanups.push(() => onDr!.stop());
        }
      },
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}\n${JSON.stringify(
          (await show()).steps.map(
            (s: { id: string; state: string; result?: string }) => `${s.id}:${s.state}:${s.result}`,
          ),
          null,
          1,
        )}\n${(await show()).waitingFor}`,
      );
    });
    const run = await show();
    expect(
      run.state,
      JSON.stringify(
        run.steps.map(
          (s: { id: string; state: string; result?: string }) => `${s.id}:${s.state}:${s.result}`,
        ),
      ),
    ).toBe('completed');
    expect(run.measurements.rpoRecords).toBe(0);
    expect(run.splitBrain).toBeNull();
    await traffic.done;
    expect(await connectorStates(f.alias)).toEqual(['STOPPED', 'STOPPED']);

    // every acknowledged record is on DR
    const mirrored = new Set(await readAllValues(`${f.alias}.${f.topic}`));
    expect(traffic.acked.filter((v) => !mirrored.has(v))).toEqual([]);
    // the live group continues on DR with nothing skipped
    await eventually('the DR consumer caught up', 60_000, async () => {
      const seen = new Set([...onPrimary.read, ...onDr!.read]);
      return traffic.acked.every((v) => seen.has(v)) ? true : undefined;
    });
    const dupes = onDr!.read.filter((v) => onPrimary.read.includes(v)).length;
    expect(dupes).toBeLessThan(onPrimary.read.length);
    // re-reads: the plan's figures (kdr's proven offsets: 0; MM2's checkpoints alone: the 3 records one group
    // consumed after its last checkpoint, and more), observed by the data, per group and in all
    const offsetsData = run.steps.find((s: { id: string }) => s.id === 'offsets').data;
    expect(offsetsData.rereads[f.groups[0]!]).toMatchObject({ kdr: 0, mm2: 3, proven: 2, partitions: 2 });
    const { rereadsPredicted, rereadsObserved, rereadsMm2 } = run.measurements;
    expect(rereadsMm2).toBeGreaterThanOrEqual(3);
    expect(rereadsPredicted).toBe(0);
    expect(rereadsObserved, `the DR consumer read ${dupes} again`).toBe(rereadsPredicted);
    // the live consumer itself read nothing again (it had committed all it read before the offsets step)
    expect(dupes).toBe(0);

    // the audit trail: chain verifies; every gated step has plan, approval and execution with one hash
    const redis = await connectRedis(base.redis.url!);
    const trail = await trailOf(redis, rig.prefix)
      .read()
      .finally(() => redis.disconnect());
    expect(trail.verified).toBe(true);
    for (const step of ['freeze', 'fence', 'offsets', 'cutover']) {
      const planId = run.steps.find((s: { id: string }) => s.id === step).planId;
      const mine = trail.entries.filter((e) => e.planId === planId);
      expect(
        mine.map((e) => e.action),
        step,
      ).toEqual(expect.arrayContaining(['plan.create', 'plan.approve', 'plan.execute']));
      expect(new Set(mine.map((e) => e.planHash)).size, step).toBe(1);
      expect(
        mine.filter((e) => e.action === 'plan.execute' && e.outcome.startsWith('executed')),
      ).toHaveLength(1);
    }
    // started, declared, ended (the last two follow the report's upload)
    const stakeholders = await eventually('three stakeholder posts', 30_000, async () => {
      const posts = rig.emulator.state.messages.filter((m) => m.channel === 'C0FOSTK' && !m.threadTs);
      return posts.length >= 3 ? posts : undefined;
    });
    expect(stakeholders.map((m) => m.text.slice(0, 40))).toHaveLength(3);
  }, 420_000);

  it('ACL fence, then abort at fence: the producer is refused after freeze; alerts muted during the run; abort removes exactly the ACLs kdr created, connectors run again, DR offsets untouched, the pair released, alerts unmuted', async () => {
    const f = await failoverFlow(dir, 3, cleanups, { aclFence: true, lagEvery: '1s' });
    // the producer may write (an ALLOW on the flow's topics); `legacy` is denied already: that DENY is not kdr's
    cleanups.push(() => deleteAclsMatching(PRIMARY, f.alias));
    await withAdmin(PRIMARY, (a) =>
      a.createAcls({
        acl: [
          topicAcl('User:producer', `${f.alias}-t`, 'WRITE', true),
          topicAcl('User:legacy', f.topic, 'WRITE', false, true),
        ],
      }),
    );
    const aclsNow = async () =>
      (await withAdmin(PRIMARY, (a) => aclsMatching(a, f.alias))).map((x) => JSON.stringify(x)).sort();
    const before = await aclsNow();
    const producer = saslProducer('producer');
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const write = () => producer.send({ topic: f.topic, acks: -1, messages: [{ value: 'app' }] });
    await write();
    const config = approvalConfig(
      600_000,
      loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: unique('kdr-fa') }),
    );
    // the worker's scheduled lag checks run every second: the run must keep them quiet
    const rig = await startSlackRig({ config, withHealth: true });
    cleanups.push(() => rig.stop());
    const dr = new ClusterReader('dr', base.clusters.dr!);
    cleanups.push(() => dr.close());
    await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS');
    await approveAll(rig, 'C0FOINC', 'U0BOB', async () => {
      const t = runMessageText(rig, 'C0FOINC');
      return t.includes('*fence* done') ? true : false;
    });
    const id = runId(rig, 'C0FOINC')!;
    expect(await connectorStates(f.alias)).toEqual(['STOPPED', 'STOPPED']);
    // alerts muted: two checks after the fence see the stopped connectors, and nothing reaches the ops channel
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const health = new HealthStore(redis, rig.prefix);
    expect((await health.muted(f.flow))?.run).toBe(id);
    const fencedAt = Math.floor(Date.now() / 1000);
    await eventually('two lag checks after the fence', 30_000, async () => {
      const text = await fetch(`${rig.runtime.metricsUrl}/metrics`).then((r) => r.text());
      const at = new RegExp(`kdr_last_check_timestamp_seconds\\{flow="${f.flow}"\\} (\\d+)`).exec(text)?.[1];
      return at && Number(at) >= fencedAt + 2 ? true : undefined;
    });
    const alerts = () =>
      rig.emulator.state.messages.filter(
        (m) => m.channel === 'C0FOOPS' && m.text.includes(f.flow) && /Replication|RPO breach/.test(m.text),
      );
    expect(alerts()).toEqual([]);
    await expect(write()).rejects.toThrow(/authoriz/i);
    expect(await aclsNow()).toHaveLength(before.length + 1);
    await abortThroughSlack(rig, id);
    await eventually('connectors running again', 60_000, async () =>
      (await connectorStates(f.alias)).every((s) => s === 'RUNNING') ? true : undefined,
    );
    for (const g of f.groups) expect(await dr.groupOffsets(g)).toEqual([]);
    const pairs = await redis.keys(`${rig.prefix}:run-pair:*`);
    expect(pairs).toEqual([]);
    expect(await health.muted(f.flow)).toBeUndefined();
    // and `status` is back to ok: heartbeats replicate again
    await eventually('status ok again', 60_000, async () => {
      const st = await runKdr(['status', '--json', '--config', f.file], { KDR_QUEUE_PREFIX: rig.prefix });
      return JSON.parse(st.stdout).flows.find((x: { name: string }) => x.name === f.flow)?.verdict === 'ok'
        ? true
        : undefined;
    });
    const stakeholders = rig.emulator.state.messages.filter((m) => m.channel === 'C0FOSTK' && !m.threadTs);
    expect(stakeholders.at(-1)?.text).toContain('aborted');
    expect(await aclsNow()).toEqual(before);
    // the abort's audit entry says what it removed and what it left
    const trail = await trailOf(redis, rig.prefix).read();
    expect(trail.entries.map((e) => e.outcome).join('\n')).toContain(
      'removed the 1 DENY WRITE ACL(s) kdr created (1 that were there before stay)',
    );
    await write();
  }, 300_000);

  it('from the terminal with --yes: the same steps, the same report, break-glass entries', async () => {
    const f = await flowWithGroups(3);
    const env = { KDR_QUEUE_PREFIX: unique('kdr-fc') };
    const r = await runKdr(['failover', f.flow, '--yes', '--json', '--config', f.file], env);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.state, r.stdout).toBe('completed');
    expect(run.steps.map((s: { id: string; state: string }) => `${s.id}:${s.state}`)).toEqual([
      'open:done',
      'assess:done',
      'freeze:done',
      'drain:done',
      'fence:done',
      'offsets:done',
      'cutover:done',
      'registry:skipped',
      'verify:done',
      'declare:done',
    ]);
    expect(run.measurements.rpoRecords).toBe(0);
    expect(run.measurements.rtoMs).toBeGreaterThan(0);
    const report = readFileSync(join(dir, 'data', 'runs', run.run, 'report.md'), 'utf8');
    expect(report).toContain('RPO: 0 record(s)');
    expect(existsSync(join(dir, 'data', 'runs', `${run.run}.json`))).toBe(true);
    const list = JSON.parse((await runKdr(['runbook', '--json', '--config', f.file], env)).stdout);
    expect(list.runs[0]).toMatchObject({ run: run.run, state: 'completed', rpoRecords: 0 });
    const audit = JSON.parse((await runKdr(['audit', '--json', '--config', f.file], env)).stdout);
    const confirmed = audit.entries.filter((e: { action: string }) => e.action === 'runbook.confirm');
    expect(confirmed.map((e: { outcome: string }) => e.outcome)).toEqual([
      'automatic step',
      'confirmed by --yes',
      'automatic step',
      'confirmed by --yes',
      'confirmed by --yes',
      'confirmed by --yes',
      'automatic step',
      'automatic step',
    ]);
    expect(confirmed.every((e: { actor: { via: string } }) => e.actor.via.includes('break-glass'))).toBe(
      true,
    );
    expect(await connectorStates(f.alias)).toEqual(['STOPPED', 'STOPPED']);
  }, 300_000);

  it('unplanned while MM2 still sees the primary: refused, kdr is the one partitioned', async () => {
    const f = await flowWithGroups(1);
    const dead = failoverConfigFile(dir, f.alias, f.stopFile, { deadSource: true });
    const r = await runKdr(['failover', f.flow, '--unplanned', '--yes', '--json', '--config', dead], {
      KDR_QUEUE_PREFIX: unique('kdr-fp'),
    });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    const assess = run.steps.find((s: { id: string }) => s.id === 'assess');
    expect(assess.state).toBe('failed');
    expect(assess.result).toContain('kdr is partitioned, not the primary');
    expect(run.state).toBe('waiting');
    expect(run.steps.find((s: { id: string }) => s.id === 'fence').state).toBe('pending');
    expect(await connectorStates(f.alias)).toEqual(['RUNNING', 'RUNNING']);
  }, 300_000);

  it("split-brain: a record on the old primary after fence raises an alert in the thread; cutover is refused naming the count; the run message's Pause, Resume and Abort buttons work", async () => {
    const f = await flowWithGroups(2);
    const config = approvalConfig(
      600_000,
      loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: unique('kdr-fs') }),
    );
    const rig = await startSlackRig({ config });
    cleanups.push(() => rig.stop());
    await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS');
    await approveAll(rig, 'C0FOINC', 'U0BOB', async () =>
      runMessageText(rig, 'C0FOINC').includes('*fence* done'),
    );
    const producer = fixtureKafka(PRIMARY).producer();
    await producer.connect();
    await producer.send({
      topic: f.topic,
      acks: -1,
      messages: [{ key: 'late', value: 'written after the freeze', partition: 0 }],
    });
    await producer.disconnect();
    const runTs = rig.emulator.state.messages.find((m) => m.channel === 'C0FOINC' && !m.threadTs)!.ts;
    const alert = await eventually('the split-brain alert in the run thread', 20_000, async () =>
      rig.emulator.state.messages.find(
        (m) => m.threadTs === runTs && m.text.includes('split-brain: 1 record(s)'),
      ),
    );
    expect(alert.text).toContain('after the freeze');
    await approveAll(rig, 'C0FOINC', 'U0BOB', async () =>
      runMessageText(rig, 'C0FOINC').includes('*cutover* failed'),
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${runMessageText(rig, 'C0FOINC')}`);
    });
    expect(runMessageText(rig, 'C0FOINC')).toContain('split-brain: 1 record(s) on 1 partition(s)');
    expect(runMessageText(rig, 'C0FOINC')).toContain('cutover refused');

    // the run message's own buttons: Pause, then Resume, then Abort run (approved by another person)
    await clickRunButton(rig, 'C0FOINC', 'kdr_run_pause', 'U0ALICE');
    await eventually('paused', 30_000, async () =>
      runMessageText(rig, 'C0FOINC').includes('· paused') ? true : undefined,
    );
    await clickRunButton(rig, 'C0FOINC', 'kdr_run_resume', 'U0ALICE');
    await eventually('resumed', 30_000, async () =>
      runMessageText(rig, 'C0FOINC').includes('· paused') ? undefined : true,
    );
    await clickRunButton(rig, 'C0FOINC', 'kdr_run_abort', 'U0ALICE');
    const abortMsg = await eventually(
      'the abort plan, posted where the button was clicked',
      30_000,
      async () =>
        rig.emulator.state.messages.find(
          (m) =>
            m.channel === 'C0FOINC' &&
            !m.threadTs &&
            m.ts !== runTs &&
            JSON.stringify(m.blocks ?? []).includes('kdr_approve'),
        ),
    );
    const abortPlan = JSON.parse(JSON.stringify(abortMsg.blocks))
      .filter((b: { type: string }) => b.type === 'actions')
      .flatMap((b: { elements: Array<{ action_id: string; value: string }> }) => b.elements)
      .find((e: { action_id: string }) => e.action_id === 'kdr_approve').value as string;
    await clickButton(rig, 'C0FOINC', { planId: abortPlan, ts: abortMsg.ts, label: 'abort' }, 'U0BOB');
    await eventually('aborted', 60_000, async () =>
      runMessageText(rig, 'C0FOINC').includes('· aborted') ? true : undefined,
    );
    expect(await connectorStates(f.alias)).toEqual(['RUNNING', 'RUNNING']);
  }, 300_000);
});
