import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKdr } from '../helpers/cli.js';
import { seeded } from '../helpers/exact-truth.js';
import { deleteGroupsOf, failoverConfigFile, liveConsumer } from '../helpers/failover-fixture.js';
import { numberedFlow } from '../helpers/numbered-flow.js';
import { eventually, sandboxConfig, unique } from '../helpers/sandbox.js';
import { scanTranslate } from '../helpers/translate-fixture.js';

/**
 * Issue 16, the runbook's offsets step with exact translation: a planned failover of 50 groups on a flow whose MM2
 * keeps sparse offset syncs (offset.lag.max=100), each group committed at random positions of numbered records.
 * The plan shows per group the re-reads with MM2's checkpoints and with kdr's proven offsets; after the run, a real
 * consumer of every group on DR reads from where kdr committed, and the duplicates it sees equal the plan's kdr
 * figure (0 where proven), with nothing skipped.
 */
const dir = mkdtempSync(join(tmpdir(), 'kdr-fx-'));
const sandbox = sandboxConfig();
const DR = sandbox.clusters.dr!.bootstrap[0]!;
const seed = Number(process.env.KDR_EXACT_SEED ?? Math.floor(Math.random() * 1e6));
const rnd = seeded(seed);
const GROUPS = 50;
const PARTS = 2;
const RECORDS = 300;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** A real consumer of the group on DR, until it has read each partition to its end; what it read per partition. */
async function consumeOnDr(group: string, topic: string, committed: number[]): Promise<number[][]> {
  const c = await liveConsumer(DR, group, topic);
  try {
    const perPartition = () => {
      const out: number[][] = Array.from({ length: PARTS }, () => []);
      for (const v of c.read) {
        const [p, n] = v.split('|').map(Number);
        out[p!]!.push(n!);
      }
      return out;
    };
    return await eventually(`${group} read to the end on dr`, 60_000, async () => {
      const got = perPartition();
      return got.every((ns, p) => committed[p] === RECORDS || ns.includes(RECORDS - 1)) ? got : undefined;
    });
  } finally {
    await c.stop();
  }
}

describe('planned failover with exact offsets (issue 16)', () => {
  it(`50 groups: each group's duplicates on DR equal the plan's kdr figure; MM2's checkpoints alone re-read more (seed ${seed})`, async () => {
    const alias = `fx${randomBytes(3).toString('hex')}`;
    const topic = `${alias}-t1`;
    const groups = Array.from({ length: GROUPS }, (_, i) => `${alias}-g${i}`);
    const primary = sandbox.clusters.primary!.bootstrap[0]!;
    cleanups.push(() => deleteGroupsOf(primary, `${alias}-`));
    const { extra, targetTopic, commit } = await numberedFlow({
      alias,
      topic,
      topics: `(${alias}-t.*|heartbeats)`,
      partitions: PARTS,
      records: RECORDS,
      groups,
    });
    cleanups.push(() => extra.stop());
    const committed = groups.map(() => Array.from({ length: PARTS }, () => rnd.int(1, RECORDS)));
    await commit((g, p) => committed[g]![p]!);
    await eventually('MM2 checkpointed every group at its commit', 120_000, async () => {
      const rows = (await scanTranslate(extra.config, extra.flow, groups)).groups.flatMap((g) => g.rows);
      return rows.length === GROUPS * PARTS && rows.every((x) => x.basis === x.fromCommitted)
        ? true
        : undefined;
    });

    const file = failoverConfigFile(dir, alias, join(dir, `${alias}.stop`));
    const env = { KDR_QUEUE_PREFIX: unique('kdr-fx') };
    const r = await runKdr(['failover', `${alias}-to-dr`, '--yes', '--json', '--config', file], env);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    const stepData = (id: string) => run.steps.find((s: { id: string }) => s.id === id)?.data;
    expect(run.state, JSON.stringify(run.steps.map((s: { result?: string }) => s.result))).toBe('completed');

    // the plan's figures per group: kdr's proven offsets against MM2's checkpoints
    const planned: Record<string, { kdr: number; mm2: number; proven: number; partitions: number }> =
      stepData('offsets').rereads;
    expect(Object.keys(planned).sort()).toEqual([...groups].sort());
    const sum = (f: (x: (typeof planned)[string]) => number) =>
      Object.values(planned).reduce((n, x) => n + f(x), 0);
    expect(sum((x) => x.mm2)).toBeGreaterThan(sum((x) => x.kdr));

    // a real consumer of every group on DR: duplicates = records numbered below the group's source commit
    const observed: Record<string, number> = {};
    for (let i = 0; i < GROUPS; i += 5)
      await Promise.all(
        groups.slice(i, i + 5).map(async (g, j) => {
          const at = committed[i + j]!;
          const read = await consumeOnDr(g, targetTopic, at);
          for (const [p, ns] of read.entries()) {
            // nothing skipped: every record from the commit to the end was read
            const missing = Array.from({ length: RECORDS - at[p]! }, (_, k) => at[p]! + k).filter(
              (n) => !ns.includes(n),
            );
            expect(missing, `${g} p${p} skipped`).toEqual([]);
          }
          observed[g] = read.reduce((n, ns, p) => n + ns.filter((x) => x < at[p]!).length, 0);
        }),
      );
    const mismatched = groups.filter((g) => observed[g] !== planned[g]!.kdr);
    expect(
      mismatched.map((g) => `${g}: observed ${observed[g]}, plan ${planned[g]!.kdr}`),
      'duplicates per group equal the plan',
    ).toEqual([]);
    // the run's own measurement (by the data) agrees, group by group
    const measured: Record<string, { predicted: number; observed: number | null }> =
      stepData('verify').rereads.groups;
    for (const g of groups) expect(measured[g], g).toEqual({ predicted: observed[g], observed: observed[g] });
    expect(run.measurements.rereadsMm2).toBe(sum((x) => x.mm2));

    const proven = sum((x) => x.proven);
    const zero = groups.filter((g) => observed[g] === 0).length;
    console.log(
      `planned failover, exact offsets (seed ${seed}): ${proven}/${GROUPS * PARTS} partitions proven; ` +
        `duplicates seen by real consumers ${sum((x) => x.kdr)} (plan: kdr ${sum((x) => x.kdr)}, MM2's checkpoints ${sum((x) => x.mm2)}); ` +
        `${zero}/${GROUPS} groups read nothing twice`,
    );
  }, 600_000);
});
