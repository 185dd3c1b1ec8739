/**
 * Planned failover of a flow with 50 groups (issue 12): the real sandbox, MM2 connectors of its own, the Slack
 * transport against the emulator, and a scripted approver who clicks each step's button as soon as it shows. Prints
 * per step the machine time and the time waiting for people, the total machine time (target ≤ 20 s), and beside it
 * the floor terms that no code makes shorter (the stability windows kdr waits out, MM2's intervals).
 * Run with the sandbox up: npx tsx bench/failover.ts [--groups 50] [--keep]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { formatDuration } from '../src/core/duration.js';
import { connectRedis } from '../src/queue/redis-ready.js';
import { table } from '../src/render/table.js';
import { RunStore } from '../src/runbook/run-store.js';
import { approvalConfig } from '../test/helpers/approvals.js';
import { startExtraFlow } from '../test/helpers/extra-flow.js';
import {
  clickButton,
  currentButton,
  failoverConfigFile,
  runMessageText,
  slash,
} from '../test/helpers/failover-fixture.js';
import { unique } from '../test/helpers/sandbox.js';
import { startSlackRig } from '../test/helpers/slack.js';
import {
  commitOnSource,
  mirroredTopic,
  translatable,
  waitForCheckpoints,
} from '../test/helpers/translate-fixture.js';

const { values } = parseArgs({
  options: { groups: { type: 'string', default: '50' }, keep: { type: 'boolean', default: false } },
});
const N = Number(values.groups);
const alias = `fb${Date.now().toString(36)}`;
const topic = `${alias}-t1`;
const dir = mkdtempSync(join(tmpdir(), 'kdr-bench-fo-'));

const ex = await startExtraFlow(alias, `(${alias}-t.*|heartbeats)`, { type: 'default', separator: '.' });
try {
  await mirroredTopic(ex.config, ex.flow, topic, 2, 10, `${alias}.${topic}`);
  const at = await translatable(ex.config, ex.flow, topic, 2, 10);
  const groups = Array.from({ length: N }, (_, i) => `${alias}-g${i}`);
  for (const g of groups) await commitOnSource(ex.config, ex.flow, g, topic, [at(0, 2), at(1, 2)]);
  await waitForCheckpoints(ex.config, ex.flow, groups, 2);
  const file = failoverConfigFile(dir, alias, join(dir, 'stop'));
  const prefix = unique('kdr-bench-fo');
  const config = approvalConfig(600_000, loadConfig(file, { ...process.env, KDR_QUEUE_PREFIX: prefix }));
  const rig = await startSlackRig({ config, prefix });
  const t0 = Date.now();
  try {
    await slash(rig, `failover ${alias}-to-dr`, 'U0ALICE', 'C0FOOPS');
    const clicked = new Set<string>();
    for (;;) {
      const text = runMessageText(rig, 'C0FOINC');
      if (/· (completed|aborted|failed)\*/.test(text) || text.includes(':x: *')) break;
      const b = currentButton(rig, 'C0FOINC');
      if (b && !clicked.has(b.planId)) {
        clicked.add(b.planId);
        await clickButton(rig, 'C0FOINC', b, 'U0BOB');
      }
      await new Promise((r) => setTimeout(r, 50));
      if (Date.now() - t0 > 300_000) throw new Error('the run did not finish within 5 minutes');
    }
    const wall = Date.now() - t0;
    const redis = await connectRedis(config.redis.url!);
    const runs = await new RunStore(redis, prefix, join(dir, 'runs'))
      .list(1)
      .finally(() => redis.disconnect());
    const run = runs[0]!;
    const machine = run.steps.reduce((n, s) => n + (s.machineMs ?? 0), 0);
    const waiting = run.steps.reduce((n, s) => n + (s.waitMs ?? 0), 0);
    process.stdout.write(
      [
        `planned failover of ${run.flow}, ${N} groups, Slack transport, scripted approver: run ${run.run} ${run.state}`,
        table(
          ['step', 'state', 'machine', 'waiting for people (plan posted → execution starts)'],
          run.steps.map((s) => [
            s.id,
            s.state,
            s.machineMs === undefined ? '' : formatDuration(s.machineMs),
            s.waitMs === undefined ? '' : formatDuration(s.waitMs),
          ]),
        ),
        `machine time in all: ${formatDuration(machine)} (target ≤ 20 s); waiting for people: ${formatDuration(waiting)}; wall clock: ${formatDuration(wall)}`,
        `RTO ${formatDuration(run.measurements.rtoMs ?? 0)}; RPO ${run.measurements.rpoRecords ?? '?'} record(s)`,
        'floor terms inside the machine time: freeze waits 4 s of stable source ends; fence waits until Connect reports STOPPED and 3 s of still target ends;',
        'MM2 in the sandbox: offset.flush.interval.ms 1 s (drain reads Connect source offsets), emit.checkpoints.interval.seconds 1 (offsets: exact positions proven record by record, the last checkpoints where not proven)',
      ].join('\n') + '\n',
    );
  } finally {
    await rig.stop();
  }
} finally {
  if (!values.keep) await ex.stop();
}
process.exit(0);
