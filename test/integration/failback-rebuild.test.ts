import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../src/kafka/group-offset-writer.js';
import { failedOverRig, writeOrphans } from '../helpers/failback-fixture.js';
import { runMessageText } from '../helpers/failover-fixture.js';
import { stepsText } from '../helpers/runs.js';
import { eventually, fixtureKafka, sandboxConfig } from '../helpers/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fbr-'));
const base = sandboxConfig();
const PRIMARY = base.clusters.primary!.bootstrap[0]!;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Every record of a topic on a cluster of the sandbox: partition → values in offset order. */
async function partitions(cluster: 'primary' | 'dr', topic: string): Promise<string[][]> {
  const r = new ClusterReader(cluster, base.clusters[cluster]!);
  const out: string[][] = [];
  try {
    await r.readAll(topic, (rec) => {
      out[rec.partition] = [...(out[rec.partition] ?? []), String(rec.value)];
    });
  } finally {
    await r.close();
  }
  return out;
}

async function commits(cluster: 'primary' | 'dr', group: string, topic: string): Promise<number[]> {
  const r = new ClusterReader(cluster, base.clusters[cluster]!);
  try {
    const out: number[] = [];
    for (const c of await r.groupOffsets(group)) if (c.topic === topic) out[c.partition] = Number(c.offset);
    return out;
  } finally {
    await r.close();
  }
}

describe('failback --orphans rebuild on the real sandbox, through Slack', () => {
  it('the topics with orphaned writes are rebuilt from DR: records saved, history equal to DR, groups exact or carried, forward replication without duplicates', async () => {
    const { f, config, rig, runs } = await failedOverRig(dir, cleanups, { prefix: 'kdr-fbr' });
    const remote = `${f.alias}.${f.topic}`;

    // on DR, g0 has read 7 and 4 records of the replicated topic; on the primary, a group the failover never moved
    // (it only exists there) sits at 5 and 3; then 7 records reach the primary after the freeze (orphaned writes)
    const onDr = new GroupOffsetWriter('dr', base.clusters.dr!);
    await onDr.commit(f.groups[0]!, [
      { topic: remote, partition: 0, offset: 7n },
      { topic: remote, partition: 1, offset: 4n },
    ]);
    await onDr.close();
    const bystander = `${f.alias}-bystander`;
    const onPrimary = new GroupOffsetWriter('primary', base.clusters.primary!);
    await onPrimary.commit(bystander, [
      { topic: f.topic, partition: 0, offset: 5n },
      { topic: f.topic, partition: 1, offset: 3n },
    ]);
    await onPrimary.close();
    await writeOrphans(PRIMARY, f.topic);
    const drBefore = await partitions('dr', remote);
    expect((await partitions('primary', f.topic)).flat()).toContain('orphan-6');

    // failback --orphans rebuild: the destructive step's plan names the topic and its counts
    const plans: string[] = [];
    const id = await runs.open(`failback ${f.flow} --orphans rebuild`);
    const done = await runs.drive(id, async () => void plans.push(runMessageText(rig, 'C0FOINC')));
    expect(done.state, stepsText(done)).toBe('completed');
    const plan = plans.find((p) => p.includes('DESTRUCTIVE'));
    expect(plan, plans.join('\n---\n')).toContain(`delete 1 topic(s) on ${f.alias}`);
    expect(plan).toContain(
      `${f.topic} (2 partition(s), RF 1): 27 record(s) on ${f.alias} now, 7 of them orphaned; rebuilt with the 20 record(s) of ${remote}`,
    );
    expect(plan).toContain('1 group(s) keep their place');
    const step = done.steps.find((s: { id: string }) => s.id === 'rebuild');
    expect(step.result).toContain('20 record(s) copied; 7 orphaned record(s) saved to');

    // the orphaned records are in the run's file, whole, and nowhere on the primary
    const file = join(config.dataDir, 'runs', id, 'orphans.jsonl');
    expect(existsSync(file)).toBe(true);
    const saved = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(saved.map((r) => Buffer.from(r.value, 'base64').toString()).sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `orphan-${i}`),
    );
    const rebuilt = await partitions('primary', f.topic);
    expect(rebuilt).toEqual(drBefore);

    // g0 resumes exactly where it was on DR (7 and 4: the copy's map, not MM2's sparse syncs); the bystander no
    // further than where it was (5 and 3 on the old topic, the same records here)
    expect(await commits('primary', f.groups[0]!, f.topic)).toEqual([7, 4]);
    const carried = await commits('primary', bystander, f.topic);
    expect(carried[0]).toBeLessThanOrEqual(5);
    expect(carried[1]).toBeLessThanOrEqual(3);
    expect(carried.every((o) => o >= 0)).toBe(true);

    // forward replication resumes at the rebuilt ends: new records reach DR once, the rebuilt ones are not copied again
    const more = fixtureKafka(PRIMARY).producer();
    await more.connect();
    await more.send({
      topic: f.topic,
      acks: -1,
      messages: [0, 1].map((p) => ({ value: `after-${p}`, partition: p })),
    });
    await more.disconnect();
    const after = await eventually('new records replicated', 90_000, async () => {
      const now = await partitions('dr', remote);
      return now.every((p, i) => p.at(-1) === `after-${i}`) ? now : undefined;
    });
    expect(after).toEqual(drBefore.map((p, i) => [...p, `after-${i}`]));
  }, 900_000);
});
