import { loadConfig } from '../../src/config/load.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { approvalConfig } from './approvals.js';
import { failoverFlow } from './failover-fixture.js';
import { runsOf } from './runs.js';
import { fixtureKafka, sandboxConfig, unique } from './sandbox.js';
import { startSlackRig } from './slack.js';

/**
 * A flow of the test's own, failed over through Slack (a completed planned failover), with the Slack rig that drives
 * its failback; the reverse connectors a failback creates are deleted after the test.
 */
export async function failedOverRig(
  dir: string,
  cleanups: Array<() => Promise<unknown>>,
  opts: { failbackSettle?: string; prefix?: string } = {},
) {
  const f = await failoverFlow(dir, 2, cleanups, opts);
  const prefix = unique(opts.prefix ?? 'kdr-fbx');
  const config = approvalConfig(600_000, loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: prefix }));
  const rig = await startSlackRig({ config, prefix });
  cleanups.push(() => rig.stop());
  const rest = new ConnectRest(sandboxConfig().clusters.dr!.connect!.url, 5000);
  const reverse = [`dr->${f.alias}.MirrorSourceConnector`, `dr->${f.alias}.MirrorCheckpointConnector`];
  cleanups.push(async () => {
    for (const n of reverse) await rest.deleteConnector(n);
  });
  const runs = runsOf(rig, f.file, prefix);
  const failover = await runs.complete(`failover ${f.flow}`);
  return { f, prefix, config, rig, runs, failover, reverse, rest };
}

/** `n` records (`orphan-0`…) written to the old primary's topic after the failover's freeze: orphaned writes. */
export async function writeOrphans(bootstrap: string, topic: string, n = 7): Promise<void> {
  const producer = fixtureKafka(bootstrap).producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: n }, (_, i) => ({ value: `orphan-${i}`, partition: i % 2 })),
    });
  } finally {
    await producer.disconnect();
  }
}
