import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { startMaintenanceWorker } from '../../src/queue/maintenance-worker.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import { ExactProofStore, proofKey } from '../../src/translate/proof-store.js';
import { runKdr } from '../helpers/cli.js';
import { failoverConfigFile } from '../helpers/failover-fixture.js';
import { startLoneBroker } from '../helpers/lone-broker.js';
import { numberedFlow } from '../helpers/numbered-flow.js';
import { eventually, sandboxConfig, unique } from '../helpers/sandbox.js';
import { scanTranslate } from '../helpers/translate-fixture.js';

/**
 * Issue 16, part 3: the worker keeps each group's newest proven exact position; when the primary dies, the
 * unplanned failover resumes from it where it reflects the newer commit, from MM2's checkpoint where the group
 * went back after the proof. Numbered records on a broker of the test's own (killed), MM2 with sparse offset syncs.
 *  - a: commits MM2 never checkpointed (its checkpoint connector excludes them after the proof): the proof is newer;
 *  - b: commits MM2 checkpointed, then proven (the same commit): the proof is exact, MM2's checkpoint a sync below;
 *  - c: proven, then rewound, and MM2 checkpointed the rewind: MM2's newer checkpoint must win (no skip).
 */
const dir = mkdtempSync(join(tmpdir(), 'kdr-fxu-'));
const sandbox = sandboxConfig();
const rest = new ConnectRest(sandbox.clusters.dr!.connect!.url, 5000);
const PARTS = 2;
const RECORDS = 300;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** The source offset a target offset stands for, by the numbered record there (the end: RECORDS). */
async function numberAt(dr: ClusterReader, topic: string, partition: number, offset: number) {
  const got: string[] = [];
  await dr.readRange(
    topic,
    partition,
    BigInt(offset),
    BigInt(offset + 1),
    (r) => void got.push(String(r.value)),
  );
  return got.length ? Number(got[0]!.split('|')[1]) : RECORDS;
}

describe('unplanned failover with the worker’s stored proofs (issue 16)', () => {
  it('the primary killed after the worker proved: no more re-reads than MM2 anywhere, fewer where the proof is newer, none skipped after a rewind', async () => {
    const lone = await startLoneBroker('exact-primary');
    cleanups.push(() => lone.remove());
    const alias = `fu${randomBytes(3).toString('hex')}`;
    const topic = `${alias}-t1`;
    const kinds = ['a', 'b', 'c'] as const;
    const groups = kinds.flatMap((k) => [0, 1].map((i) => `${alias}-g${k}${i}`));
    const kindOf = (g: string) => g.slice(`${alias}-g`.length, `${alias}-g`.length + 1);
    const { extra, targetTopic, commit } = await numberedFlow({
      alias,
      topic,
      topics: `(${alias}-t.*|heartbeats)`,
      partitions: PARTS,
      records: RECORDS,
      groups,
      sourceBootstrap: lone.bootstrap,
    });
    cleanups.push(() => extra.stop());
    // between MM2's syncs (every ~100 records): MM2's checkpoints make the groups re-read
    const at: number[][] = groups.map((_, i) => [150 + 7 * i, 250 - 9 * i]);
    await commit((g, p) => at[g]![p]!);
    const translatedAtCommits = async () =>
      (await scanTranslate(extra.config, extra.flow, groups)).groups.flatMap((g) =>
        g.rows.map((r) => ({ g: g.group, ...r })),
      );
    await eventually('MM2 checkpointed every group at its commit', 120_000, async () => {
      const rows = await translatedAtCommits();
      return rows.length === groups.length * PARTS && rows.every((r) => r.basis === r.fromCommitted)
        ? true
        : undefined;
    });

    // MM2's checkpoint connector stops; group a moves on (MM2 does not see it)
    const checkpointConnector = `${alias}->dr.MirrorCheckpointConnector`;
    await rest.setConnectorState(checkpointConnector, 'stop');
    await eventually('checkpoint connector stopped', 30_000, async () =>
      (await rest.connectorStatus(checkpointConnector)).state === 'STOPPED' ? true : undefined,
    );
    for (const [i, g] of groups.entries()) if (kindOf(g) === 'a') at[i] = at[i]!.map((x) => x + 20);
    await commit((g, p) => at[g]![p]!);

    // the worker proves every group where it stands now, and keeps the proofs
    const file = failoverConfigFile(dir, alias, join(dir, `${alias}.stop`), {
      sourceBootstrap: lone.bootstrap,
      exactProofEvery: '1s',
    });
    const prefix = unique('kdr-fxu');
    const config = loadConfig(file, { ...process.env, KDR_QUEUE_PREFIX: prefix });
    const flow = `${alias}-to-dr`;
    const redis = await connectRedis(sandbox.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const store = new ExactProofStore(redis, prefix);
    const worker = await startMaintenanceWorker({
      config,
      log: createLogger('silent'),
      poster: {
        postMessage: async () => ({ channel: '', ts: '' }),
        updateMessage: async () => undefined,
        uploadFile: async () => undefined,
        postEphemeral: async () => undefined,
      },
    });
    try {
      await eventually('the worker proved every group at its commit', 60_000, async () => {
        const kept = await store.all(flow);
        return groups.every((g, i) =>
          [0, 1].every((p) => kept.get(proofKey(g, targetTopic, p))?.committed === at[i]![p]),
        )
          ? true
          : undefined;
      });
    } finally {
      await worker.close();
    }

    // MM2 checkpoints again, without group a; group c goes back below its proof and MM2 checkpoints that
    const cfg = (await rest.connectorConfig(checkpointConnector))!;
    await rest.putConnectorConfig(checkpointConnector, { ...cfg, 'groups.exclude': `${alias}-ga.*` });
    await rest.setConnectorState(checkpointConnector, 'resume');
    for (const [i, g] of groups.entries()) if (kindOf(g) === 'c') at[i] = at[i]!.map((x) => x - 60);
    await commit((g, p) => at[g]![p]!);
    await eventually('MM2 checkpointed the rewind of group c', 120_000, async () => {
      const rows = await translatedAtCommits();
      return rows.filter((r) => kindOf(r.g) === 'c').every((r) => r.basis === r.fromCommitted)
        ? true
        : undefined;
    });
    // MM2's own figures, the source still up: what its checkpoints alone would resume at
    const mm2 = new Map((await translatedAtCommits()).map((r) => [`${r.g}:${r.partition}`, r.translated!]));

    await lone.kill();
    const r = await runKdr(['failover', flow, '--unplanned', '--yes', '--json', '--config', file], {
      KDR_QUEUE_PREFIX: prefix,
    });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.state, JSON.stringify(run.steps.map((s: { result?: string }) => s.result))).toBe('completed');

    // ground truth: the numbered record at each group's DR offset
    const dr = new ClusterReader('dr', sandbox.clusters.dr!);
    const rereads: Record<string, { kdr: number; mm2: number }> = {};
    try {
      for (const [i, g] of groups.entries()) {
        const committed = new Map((await dr.groupOffsets(g)).map((o) => [o.partition, Number(o.offset)]));
        rereads[g] = { kdr: 0, mm2: 0 };
        for (let p = 0; p < PARTS; p++) {
          const truth = at[i]![p]!;
          const kdrAt = await numberAt(dr, targetTopic, p, committed.get(p)!);
          const mm2At = await numberAt(dr, targetTopic, p, mm2.get(`${g}:${p}`)!);
          expect(
            kdrAt,
            `${g} p${p}: resumes past its commit (${truth}): records skipped`,
          ).toBeLessThanOrEqual(truth);
          rereads[g]!.kdr += truth - kdrAt;
          rereads[g]!.mm2 += truth - mm2At;
        }
      }
    } finally {
      await dr.close();
    }
    for (const g of groups) expect(rereads[g]!.kdr, g).toBeLessThanOrEqual(rereads[g]!.mm2);
    for (const g of groups.filter((x) => kindOf(x) !== 'c'))
      expect(rereads[g]!.kdr, `${g}: the proof is newer than the checkpoint`).toBeLessThan(rereads[g]!.mm2);
    // a: resumes exactly where it was (the proof is of its last commit); c: exactly MM2's checkpoint
    for (const g of groups.filter((x) => kindOf(x) === 'a')) expect(rereads[g]!.kdr, g).toBe(0);
    for (const g of groups.filter((x) => kindOf(x) === 'c')) expect(rereads[g]!.kdr, g).toBe(rereads[g]!.mm2);

    const saved = Object.values(rereads).reduce((n, x) => n + x.mm2 - x.kdr, 0);
    expect(run.measurements.rereadsSaved).toBe(saved);
    const report = readFileSync(join(config.dataDir, 'runs', run.run, 'report.md'), 'utf8');
    expect(report).toContain(`${saved} saved against MM2's checkpoints by kdr's stored proofs`);
    console.log(
      `unplanned failover from stored proofs: re-reads ${Object.values(rereads).reduce((n, x) => n + x.kdr, 0)} with kdr, ${Object.values(rereads).reduce((n, x) => n + x.mm2, 0)} with MM2's checkpoints alone; per group ${JSON.stringify(rereads)}`,
    );
  }, 600_000);
});
