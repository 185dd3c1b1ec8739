import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { runKdr } from '../helpers/cli.js';
import { failoverConfigFile, failoverFlow } from '../helpers/failover-fixture.js';
import { sandboxConfig, unique } from '../helpers/sandbox.js';

const dir = mkdtempSync(join(tmpdir(), 'kdr-fd-'));
const base = sandboxConfig();
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('a flow replicated by dedicated MM2 (kdr knows only its stop command)', () => {
  it('the fence runs the stop command and verifies by the data; assess judges MM2 by its heartbeats', async () => {
    const f = await failoverFlow(dir, 2, cleanups);
    // "dedicated MM2" here is the flow's connectors, stopped by a command kdr does not look into
    const names = [`${f.alias}->dr.MirrorSourceConnector`, `${f.alias}->dr.MirrorCheckpointConnector`];
    const stop = `Promise.all(${JSON.stringify(names)}.map((n) => fetch(${JSON.stringify(base.clusters.dr!.connect!.url)} + '/connectors/' + encodeURIComponent(n) + '/stop', { method: 'PUT' }))).then((rs) => process.exit(rs.every((r) => r.ok) ? 0 : 1))`;
    const file = failoverConfigFile(dir, f.alias, f.stopFile, {
      dedicatedStop: [process.execPath, '-e', stop],
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
});
