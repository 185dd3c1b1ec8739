import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { approvalConfig, askCommit, ephemeralsTo, messageText, socketClick } from '../helpers/approvals.js';
import { eventually, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';
import { checkpointedGroups } from '../helpers/translate-fixture.js';

const config = approvalConfig(60_000);
const flow = config.flows[0]!;
const topic = unique('aps');
const group = unique('aps-g');
const dr = new ClusterReader('dr', config.clusters.dr!);
let rig: SlackRig;

beforeAll(async () => {
  await checkpointedGroups(config, flow, topic, 1, 6, [group], 2);
  rig = await startSlackRig({ config, socketMode: true });
  await eventually('Socket Mode connection', 15_000, async () =>
    rig.emulator.socketMode.connections > 0 ? true : undefined,
  );
}, 180_000);
afterAll(async () => {
  await rig?.stop();
  await dr.close();
});

describe('approvals over Socket Mode', () => {
  it('the requester is refused, another approver approves, the commit runs once', async () => {
    const p = await askCommit(rig, group, 'C0SOCKAP', 'U0ALICE', true);
    expect((await socketClick(rig, p, 'U0ALICE')).acked).toBe(true);
    await eventually('two-person refusal', 10_000, async () =>
      ephemeralsTo(rig, 'U0ALICE', 'C0SOCKAP').find((t) => t.includes('two-person rule')),
    );
    expect((await socketClick(rig, p, 'U0BOB')).acked).toBe(true);
    await eventually('done', 60_000, async () =>
      messageText(rig, p).includes('Done: committed 1 partition(s)') ? true : undefined,
    );
    expect((await dr.groupOffsets(group)).length).toBe(1);
  });
});
