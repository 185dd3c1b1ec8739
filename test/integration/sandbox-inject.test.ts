import { afterAll, describe, expect, it } from 'vitest';
import { probeCluster } from '../../src/kafka/probe.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { SANDBOX_CONNECTORS } from '../../src/sandbox/connectors.js';
import { sandboxClusterConfig, sandboxLayout } from '../../src/sandbox/layout.js';
import { portOpen } from '../../src/sandbox/processes.js';
import { readState } from '../../src/sandbox/state.js';
import { type TrafficTruth, trafficTruth } from '../../src/sandbox/traffic-report.js';
import { runKdr } from '../helpers/cli.js';
import { eventually, ROOT, unique } from '../helpers/sandbox.js';

/**
 * `kdr sandbox inject|heal|traffic` on the shared sandbox, through the real CLI. Every scenario is healed before
 * the next (and in afterAll), and healing waits for a heartbeat emitted after it to reach dr, so the files that
 * run after this one find the sandbox as it was.
 */
const layout = sandboxLayout(ROOT);
const rest = new ConnectRest(`http://127.0.0.1:${layout.ports.connect}`, 3000);
const quick = { connectMs: 1000, requestMs: 1500, probeMs: 1500 };
const reachable = async (c: 'primary' | 'dr') =>
  (await probeCluster(c, { ...sandboxClusterConfig(layout, c), timeouts: quick })).reachable;

const heal = async () => {
  const r = await runKdr(['sandbox', 'heal']);
  expect(r.code, r.stderr).toBe(0);
  return r;
};
const injectOk = async (scenario: string) => {
  const r = await runKdr(['sandbox', 'inject', scenario]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`injected ${scenario}`);
};
const traffic = (topic: string, seconds: number) =>
  runKdr(['sandbox', 'traffic', '--topic', topic, '--rate', '20', '--duration', `${seconds}s`]);

describe('kdr sandbox inject / heal / traffic', () => {
  const topic = unique('gameday');
  afterAll(async () => {
    if ((readState(layout).injected ?? []).length) await runKdr(['sandbox', 'heal']);
  }, 180_000);

  it('refuses an unknown scenario and a second injection of the same one, naming what to do', async () => {
    const bad = await runKdr(['sandbox', 'inject', 'meteor']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no scenario meteor');
    expect(bad.stderr).toContain('primary-dead, primary-silent, mm2-down, lag');
    const flags = await runKdr(['sandbox', 'traffic', '--rate', 'fast']);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('--rate fast');
  });

  it('traffic logs what was acknowledged and consumed; lag leaves acknowledged records unreplicated until healed', async () => {
    const first = await traffic(topic, 4);
    expect(first.code, first.stderr).toBe(0);
    const ackedBefore = Number(/(\d+) acknowledged/.exec(first.stdout)![1]);
    expect(ackedBefore).toBeGreaterThan(20);
    await eventually('first records replicated', 60_000, async () =>
      (await trafficTruth(layout, topic)).notReplicated === 0 ? true : undefined,
    );

    await injectOk('lag');
    const twice = await runKdr(['sandbox', 'inject', 'lag']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('already injected');
    const during = await traffic(topic, 3);
    const ackedDuring = Number(/(\d+) acknowledged/.exec(during.stdout)![1]);
    const lagged = await trafficTruth(layout, topic);
    // the source connector is paused: every record acknowledged since is missing on dr, and nothing else
    expect(lagged.notReplicated).toBe(ackedDuring);
    expect(lagged.notReplicatedSeqs[0]).toBe(ackedBefore + 1);
    expect(lagged.acked.primary).toBe(ackedBefore + ackedDuring);
    expect(lagged.consumed.distinct).toBe(ackedBefore + ackedDuring);

    const healed = await heal();
    expect(healed.stdout).toContain(`${SANDBOX_CONNECTORS.source} resumed`);
    const after: TrafficTruth = await eventually('lagged records replicated', 60_000, async () => {
      const t = await trafficTruth(layout, topic);
      return t.notReplicated === 0 ? t : undefined;
    });
    expect(after.acked.primary).toBe(ackedBefore + ackedDuring);
    const report = await runKdr(['sandbox', 'traffic', '--report', '--topic', topic, '--json']);
    expect(JSON.parse(report.stdout)).toMatchObject({ notReplicated: 0, neverConsumed: 0 });
  });

  it('primary-silent: TCP still accepts, requests time out; heal continues it', async () => {
    await injectOk('primary-silent');
    expect(await portOpen(layout.ports.primary)).toBe(true);
    expect(await reachable('primary')).toBe(false);
    const status = await runKdr(['sandbox', 'status']);
    expect(status.stdout).toContain('injected: primary-silent');
    await heal();
    expect(await reachable('primary')).toBe(true);
  });

  it('primary-dead: acknowledgements stop (failures logged apart), the port closes; heal restarts it with its data', async () => {
    await injectOk('primary-dead');
    expect(await portOpen(layout.ports.primary)).toBe(false);
    const dead = await traffic(topic, 2);
    expect(dead.stdout).toMatch(/0 acknowledged, [1-9]\d* not acknowledged/);
    await heal();
    expect(await reachable('primary')).toBe(true);
    // the broker came back with its log: nothing acknowledged before was lost by the kill
    const t = await eventually('all replicated again', 60_000, async () => {
      const x = await trafficTruth(layout, topic);
      return x.notReplicated === 0 ? x : undefined;
    });
    expect(t.unreadable).toEqual([]);
  });

  it('mm2-down: Connect gone; heal restarts it and every connector runs again', async () => {
    await injectOk('mm2-down');
    await expect(rest.listConnectors()).rejects.toThrow(/unreachable/);
    await heal();
    for (const name of Object.values(SANDBOX_CONNECTORS)) {
      const s = await rest.connectorStatus(name);
      expect(s.state, name).toBe('RUNNING');
    }
    expect(readState(layout).injected).toEqual([]);
  });
});
