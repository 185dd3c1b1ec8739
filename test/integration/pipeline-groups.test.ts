import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanStore } from '../../src/approval/plan-store.js';
import { loadConfig } from '../../src/config/load.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ResourceLocks } from '../../src/locks/resource-lock.js';
import { approvalConfig, askPlan, click, ephemeralsTo, messageText } from '../helpers/approvals.js';
import { trailOf } from '../helpers/audit.js';
import { deleteGroupsOf } from '../helpers/failover-fixture.js';
import { offsetCommitRecords } from '../helpers/offset-commits.js';
import { withRedis as withRedisOn } from '../helpers/redis.js';
import { eventually, ROOT, SANDBOX_CONFIG, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';
import { checkpointedGroups } from '../helpers/translate-fixture.js';

// Three sets of 50 groups, each set a flow of its own (its groups regex), so that `--all` means those 50.
const tag = unique('pg');
const N = 50;
const sets = { slack: 's', terminal: 't', crash: 'k', queue: 'q' } as const;
const groupsOf = (set: string, n = N) => Array.from({ length: n }, (_, i) => `${tag}-${set}-${i}`);
const dir = mkdtempSync(join(tmpdir(), 'kdr-pg-'));
const configFile = (set: string) => {
  const path = join(dir, `${set}.kdr.yaml`);
  writeFileSync(
    path,
    readFileSync(SANDBOX_CONFIG, 'utf8').replace('groups: ".*"', `groups: "${tag}-${set}-.*"`),
  );
  return path;
};
const base = loadConfig(SANDBOX_CONFIG, process.env);
const flow = base.flows[0]!;
const dr = new ClusterReader('dr', base.clusters.dr!);
let expected: number[];
const rigs: SlackRig[] = [];

const drOffsets = async (g: string) =>
  (await dr.groupOffsets(g)).map((c) => Number(c.offset)).sort((a, b) => a - b);
async function allCommitted(groups: string[]) {
  for (const g of groups) if (JSON.stringify(await drOffsets(g)) !== JSON.stringify(expected)) return false;
  return true;
}
async function rigFor(set: string, opts: { enqueueExecution?: () => Promise<void> } = {}) {
  const config = approvalConfig(120_000, loadConfig(configFile(set), process.env));
  const rig = await startSlackRig({ config, ...opts });
  rigs.push(rig);
  return rig;
}
const withRedis = <T>(f: (r: Redis) => Promise<T>) => withRedisOn(base.redis.url!, f);
const auditOf = (prefix: string, planId: string) =>
  withRedis(async (r) => {
    const all = await trailOf(r, prefix).read();
    return { verified: all.verified, entries: all.entries.filter((e) => e.planId === planId) };
  });

beforeAll(async () => {
  const all = Object.values(sets).flatMap((s) => groupsOf(s));
  expected = (await checkpointedGroups(base, flow, unique('pg-t'), 2, 10, all, 2)).offsets;
  expected.sort((a, b) => a - b);
}, 300_000);

afterAll(async () => {
  for (const r of rigs) await r.stop();
  await dr.close();
  // the sandbox's own MM2 flow checkpoints every group on primary: 200 left behind slow its checkpoint task for
  // every test after this one
  await deleteGroupsOf(base.clusters.primary!.bootstrap[0]!, `${tag}-`);
});

describe('one plan for many groups, through the pipeline', () => {
  it('Slack: `translate --all --commit` of 50 groups is one approval message, one approval, 50 groups read back', async () => {
    const rig = await rigFor(sets.slack);
    const p = await askPlan(rig, 'translate --all --commit', 'C0PGS');
    const shown = messageText(rig, p);
    expect(shown).toContain(`commit offsets of ${N} group(s) (${2 * N} partition(s)) on dr`);
    await click(rig, p, 'U0BOB');
    await eventually('executed', 90_000, async () =>
      messageText(rig, p).includes('Done:') ? true : undefined,
    );
    expect(messageText(rig, p)).toContain(
      `committed ${N} group(s) (${2 * N} partition(s)) on dr; read back: equal`,
    );
    expect(await allCommitted(groupsOf(sets.slack))).toBe(true);
    const top = rig.emulator.state.messages.filter((m) => m.channel === 'C0PGS' && !m.threadTs);
    expect(top).toHaveLength(1);
    const audit = await auditOf(rig.prefix, p.planId);
    expect(audit.entries.map((e) => `${e.action}:${e.outcome.split(':')[0]}`)).toEqual([
      'plan.create:pending',
      'plan.approve:approved',
      'plan.execute:started',
      'plan.execute:executed',
    ]);
  });

  it('terminal: the same with one confirmation that shows the plan', async () => {
    const child = spawn(
      process.execPath,
      [resolve(ROOT, 'bin/kdr.js'), 'translate', '--all', '--commit', '--config', configFile(sets.terminal)],
      { env: { ...process.env, KDR_QUEUE_PREFIX: unique('kdr-pgt'), KDR_DATA_DIR: dir }, cwd: ROOT },
    );
    let err = '';
    let out = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    await eventually('the confirmation', 60_000, async () =>
      err.includes('Commit these offsets? [y/N]') ? true : undefined,
    );
    expect(err).toContain(`commit offsets of ${N} group(s) (${2 * N} partition(s)) on dr`);
    child.stdin.end('y\n');
    expect(await exited, err).toBe(0);
    expect(err.match(/Commit these offsets\?/g)).toHaveLength(1);
    expect(out).toContain(
      `committed ${N} group(s) (${2 * N} partition(s)) on dr (authorised by interactive confirmation); read back: equal`,
    );
    expect(await allCommitted(groupsOf(sets.terminal))).toBe(true);
  });

  it('queueing fails at approval: the sweeper runs the plan within 10 s, once; the clicker is told', async () => {
    const rig = await rigFor(sets.queue, {
      enqueueExecution: async () => {
        throw new Error('injected: Redis refused the job');
      },
    });
    const group = groupsOf(sets.queue)[0]!;
    const p = await askPlan(rig, `translate ${group} --commit`, 'C0PGQ');
    await click(rig, p, 'U0BOB');
    const approvedAt = Date.now();
    await eventually('the clicker told', 10_000, async () =>
      ephemeralsTo(rig, 'U0BOB', 'C0PGQ').find((t) => t.includes('queueing the execution failed')),
    );
    await eventually('executed', 10_000, async () =>
      messageText(rig, p).includes('Done:') ? true : undefined,
    );
    expect(Date.now() - approvedAt).toBeLessThan(10_000);
    expect(await drOffsets(group)).toEqual(expected);
    const audit = await auditOf(rig.prefix, p.planId);
    expect(
      audit.entries.filter((e) => e.action === 'plan.execute' && e.outcome.startsWith('executed')),
    ).toHaveLength(1);
    expect(audit.entries.map((e) => `${e.action}:${e.outcome.split(' ')[0]}`)).toEqual([
      'plan.create:pending:',
      'plan.approve:approved',
      'plan.queue:failed',
      'plan.queue:queued',
      'plan.execute:started',
      'plan.execute:executed:',
    ]);
    expect((await offsetCommitRecords(base, 'dr', [group])).get(group)).toBe(2);
  });

  // last: it closes a rig's execution worker and kills worker processes
  it('a worker SIGKILLed in the middle of 50 groups: a new worker finishes, each group written once, lock free', async () => {
    const rig = await rigFor(sets.crash);
    await rig.runtime.execWorker!.close(); // executions happen in `kdr worker` processes only
    const workerEnv = {
      SLACK_BOT_TOKEN: rig.botToken,
      SLACK_SIGNING_SECRET: rig.signingSecret,
      SLACK_API_URL: rig.emulator.apiUrl,
      PORT: '3991',
      KDR_METRICS_PORT: '0',
      KDR_QUEUE_PREFIX: rig.prefix,
      KDR_DATA_DIR: dir,
      KDR_CHANGE_PACE: '250ms', // ≥ 12 s for 50 groups: room to kill it in the middle
    };
    const startWorker = (): ChildProcess =>
      spawn(process.execPath, [resolve(ROOT, 'bin/kdr.js'), 'worker', '--config', configFile(sets.crash)], {
        env: { ...process.env, ...workerEnv },
        stdio: 'ignore',
      });
    const first = startWorker();
    const p = await askPlan(rig, 'translate --all --commit', 'C0PGK');
    await click(rig, p, 'U0BOB');
    const progress = (r: Redis) => r.hlen(`${rig.prefix}:progress:${p.planId}`);
    const doneAtKill = await withRedis((r) =>
      eventually('10 groups written', 60_000, async () => {
        const n = await progress(r);
        if (n < 10) return undefined;
        first.kill('SIGKILL');
        return n;
      }),
    );
    await new Promise((r) => first.on('close', r));
    const afterKill = await withRedis(progress);
    expect(afterKill, 'killed in the middle').toBeLessThan(N);
    expect(doneAtKill).toBeGreaterThanOrEqual(10);

    const second = startWorker();
    try {
      await eventually('executed by the new worker', 90_000, async () =>
        messageText(rig, p).includes('Done:') ? true : undefined,
      );
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.on('close', r));
    }
    const groups = groupsOf(sets.crash);
    expect(await allCommitted(groups)).toBe(true);
    const records = await offsetCommitRecords(base, 'dr', groups);
    expect(
      [...records.values()].every((n) => n === 2),
      JSON.stringify([...records]),
    ).toBe(true);

    const plan = await withRedis((r) => new PlanStore(r, rig.prefix).get(p.planId));
    expect(plan?.state).toBe('executed');
    expect(plan?.attempts).toBe(2);
    const audit = await auditOf(rig.prefix, p.planId);
    expect(audit.verified).toBe(true);
    expect(audit.entries.map((e) => `${e.action}:${e.outcome.split(':')[0]}`)).toEqual([
      'plan.create:pending',
      'plan.approve:approved',
      'plan.execute:started',
      'plan.resume:resumed (attempt 2)',
      'plan.execute:executed',
    ]);
    expect(await withRedis((r) => new ResourceLocks(r, rig.prefix).list())).toEqual([]);
  });
});
