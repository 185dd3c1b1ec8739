import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { approvalConfig } from '../helpers/approvals.js';
import { runKdr } from '../helpers/cli.js';
import {
  abortThroughSlack,
  approveAll,
  failoverConfigFile,
  failoverFlow,
  runMessageText,
  slash,
} from '../helpers/failover-fixture.js';
import { eventually, sandboxConfig, unique } from '../helpers/sandbox.js';
import { startSlackRig } from '../helpers/slack.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fd-'));
const base = sandboxConfig();
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
const connectorsOf = (alias: string) => [
  `${alias}->dr.MirrorSourceConnector`,
  `${alias}->dr.MirrorCheckpointConnector`,
];
/** A command that stops (or resumes) the connectors through Connect REST: "dedicated MM2" behind kdr's back. */
const connectCommand = (names: string[], verb: 'stop' | 'resume') => [
  process.execPath,
  '-e',
  `Promise.all(${JSON.stringify(names)}.map((n) => fetch(${JSON.stringify(base.clusters.dr!.connect!.url)} + '/connectors/' + encodeURIComponent(n) + '/${verb}', { method: 'PUT' }))).then((rs) => process.exit(rs.every((r) => r.ok) ? 0 : 1))`,
];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('a flow replicated by dedicated MM2 (kdr knows only its stop command)', () => {
  it('the fence runs the stop command and verifies by the data; assess judges MM2 by its heartbeats', async () => {
    const f = await failoverFlow(dir, 2, cleanups);
    // "dedicated MM2" here is the flow's connectors, stopped by a command kdr does not look into
    const names = connectorsOf(f.alias);
    const file = failoverConfigFile(dir, f.alias, f.stopFile, {
      dedicatedStop: connectCommand(names, 'stop'),
    });
    const r = await runKdr(['failover', f.flow, '--yes', '--json', '--config', file], {
      KDR_QUEUE_PREFIX: unique('kdr-fd'),
    });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    const step = (id: string) => run.steps.find((s: { id: string }) => s.id === id);
    expect(
      run.state,
      JSON.stringify(run.steps.map((s: { id: string; result?: string }) => `${s.id}: ${s.result}`)),
    ).toBe('completed');
    expect(step('assess').result).toContain('answer');
    expect(step('fence').result).toContain('target ends did not move');
    expect(step('fence').checks.map((c: { name: string }) => c.name)).toContain('target end offsets still');
    for (const n of names) expect((await rest.connectorStatus(n)).state).toBe('STOPPED');
    expect(run.measurements.rpoRecords).toBe(0);
  }, 300_000);

  it('abort after the fence runs mm2.start: replication resumes', async () => {
    const f = await failoverFlow(dir, 1, cleanups);
    const names = connectorsOf(f.alias);
    const file = failoverConfigFile(dir, f.alias, f.stopFile, {
      dedicatedStop: connectCommand(names, 'stop'),
      dedicatedStart: connectCommand(names, 'resume'),
    });
    const config = approvalConfig(
      600_000,
      loadConfig(file, { ...process.env, KDR_QUEUE_PREFIX: unique('kdr-fd') }),
    );
    const rig = await startSlackRig({ config });
    cleanups.push(() => rig.stop());
    await slash(rig, `failover ${f.flow}`, 'U0ALICE', 'C0FOOPS');
    await approveAll(rig, 'C0FOINC', 'U0BOB', async () =>
      runMessageText(rig, 'C0FOINC').includes('*fence* done'),
    );
    for (const n of names) expect((await rest.connectorStatus(n)).state).toBe('STOPPED');
    const id = /run (r-[0-9a-f]{8})/.exec(runMessageText(rig, 'C0FOINC'))![1]!;
    await abortThroughSlack(rig, id);
    await eventually('connectors running again', 60_000, async () =>
      (await Promise.all(names.map((n) => rest.connectorStatus(n)))).every((s) => s.state === 'RUNNING')
        ? true
        : undefined,
    );
  }, 300_000);
});
