import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { runKdr } from '../helpers/cli.js';
import { consumeUntil } from '../helpers/consumer.js';
import {
  createTopics,
  eventually,
  fixtureKafka,
  SANDBOX_CONFIG,
  sandboxConfig,
  unique,
} from '../helpers/sandbox.js';
import { commitOnSource, waitForCheckpoints } from '../helpers/translate-fixture.js';

const config = sandboxConfig();
const flow = config.flows[0]!;
const drBootstrap = config.clusters.dr!.bootstrap[0]!;
const prefix = unique('kdr-ex');
const env = { KDR_QUEUE_PREFIX: prefix, KDR_DATA_DIR: mkdtempSync(join(tmpdir(), 'kdr-ex-')) };
const dr = new ClusterReader('dr', config.clusters.dr!);
const topic = unique('ex');
const target = `primary.${topic}`;
const kdr = (...args: string[]) => runKdr([...args, '--config', SANDBOX_CONFIG], env);

interface Row {
  translated: number;
  method?: string;
  exact?: {
    proven: boolean;
    offset: number | null;
    mm2: number | null;
    rereadsSaved: number | null;
    reason?: string;
  };
}
const rowOf = (stdout: string): Row => JSON.parse(stdout).groups[0].rows[0];

beforeAll(async () => {
  const kafka = fixtureKafka(config.clusters.primary!.bootstrap[0]!);
  const admin = kafka.admin();
  const producer = kafka.producer();
  try {
    await admin.connect();
    await createTopics(admin, { topics: [{ topic, numPartitions: 1 }] });
    await eventually(`${target} mirrored`, 90_000, async () =>
      (await dr.topicExists(target)) ? true : undefined,
    );
    await producer.connect();
    // one request of 100 records, as a busy producer sends them: MM2 writes offset syncs for only some of them
    await producer.send({
      topic,
      messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: String(i), partition: 0 })),
    });
    await eventually(`${target} replicated`, 60_000, async () =>
      (await dr.ends(target))[0]?.high === 100n ? true : undefined,
    );
  } finally {
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
  }
}, 180_000);

afterAll(() => dr.close());

describe('translate --exact on the real sandbox', () => {
  it('committed 40 of 100: MM2 re-reads, kdr proves 40; a real consumer on dr reads record 40 first', async () => {
    const group = unique('ex-g');
    await commitOnSource(config, flow, group, topic, [40]);
    await waitForCheckpoints(config, flow, [group], 1);

    const mm2 = await kdr('translate', group, '--json');
    expect(mm2.code, mm2.stderr).toBe(0);
    const byMm2 = rowOf(mm2.stdout).translated;
    expect(byMm2).toBeLessThanOrEqual(40);

    const ex = await kdr('translate', group, '--exact', '--json');
    expect(ex.code, ex.stderr).toBe(0);
    const row = rowOf(ex.stdout);
    expect(row.exact?.reason).toBeUndefined();
    expect(row).toMatchObject({ translated: 40, method: 'exact' });
    expect(row.exact).toMatchObject({ proven: true, offset: 40, mm2: byMm2, rereadsSaved: 40 - byMm2 });
    expect(JSON.parse(ex.stdout).exact).toMatchObject({ partitions: 1, proven: 1, rereadsSaved: 40 - byMm2 });

    const text = await kdr('translate', group, '--exact');
    expect(text.stdout).toContain(`exact: 1 of 1 partition(s) proven record by record`);
    expect(text.stdout).toContain(`${40 - byMm2} re-read(s) saved against MM2's checkpoints`);

    // lag's predicted re-reads: MM2's figure beside kdr's
    const lag = await kdr('lag', flow.name, '--group', group, '--exact', '--json');
    expect(lag.code, lag.stderr).toBe(0);
    const part = JSON.parse(lag.stdout).flows[0].groups[0].partitions[0];
    expect(part).toMatchObject({ sourceCommitted: 40, expectedRereads: 40 - byMm2 });
    expect(part.exact).toEqual({ proven: true, offset: 40, rereads: 0 });
    const lagText = (await kdr('lag', flow.name, '--group', group, '--exact')).stdout;
    expect(lagText).toMatch(/re-reads with MM2\s+with kdr --exact/);

    const c = await kdr('translate', group, '--exact', '--commit', '--yes');
    expect(c.code, c.stderr).toBe(0);
    expect((await dr.groupOffsets(group)).map((o) => Number(o.offset))).toEqual([40]);

    const [onDr] = await consumeUntil(drBootstrap, group, target, [100]);
    expect(onDr![0]).toBe('40');
    expect(onDr).toEqual(Array.from({ length: 60 }, (_, i) => String(40 + i)));
    console.log(
      `exact 40 of 100: MM2 ${byMm2}, kdr 40, ${40 - byMm2} re-read(s) saved; dr consumer read ${onDr!.length}`,
    );
  });
});
