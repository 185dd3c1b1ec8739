import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { HealthStore } from '../../src/health/health-store.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { connectRedis } from '../../src/queue/redis-ready.js';
import type { RunReport } from '../../src/runbook/report-schema.js';
import { RunStore } from '../../src/runbook/run-store.js';
import { sandboxLayout } from '../../src/sandbox/layout.js';
import { readState } from '../../src/sandbox/state.js';
import { type Acked, ackLog, readLog } from '../../src/sandbox/traffic.js';
import { approvalConfig } from '../helpers/approvals.js';
import { runKdr } from '../helpers/cli.js';
import { approveAll, failoverFlow, runMessageText, slash } from '../helpers/failover-fixture.js';
import { eventually, ROOT, sandboxConfig, unique } from '../helpers/sandbox.js';
import { startSlackRig } from '../helpers/slack.js';

/**
 * The game day of the README on the shared sandbox: `kdr sandbox traffic` writes numbered records, MM2 falls
 * behind, `kdr sandbox inject primary-dead` kills the sandbox's primary broker, and an unplanned drill runs
 * through Slack on the test's own flow. The report's RPO is checked against the traffic's own acknowledgement
 * log, its RTO against the run's timestamps, its JSON against schemas/run-report.schema.json. The sandbox is
 * healed afterwards (the primary restarted with its data).
 */
const dir = mkdtempSync(join(tmpdir(), 'kdr-drill-'));
const base = sandboxConfig();
const layout = sandboxLayout(ROOT);
const rest = new ConnectRest(base.clusters.dr!.connect!.url, 5000);
const cleanups: Array<() => Promise<unknown>> = [];
let traffic: ChildProcess | undefined;
afterAll(async () => {
  traffic?.kill('SIGKILL');
  if ((readState(layout).injected ?? []).length) await runKdr(['sandbox', 'heal']);
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
}, 240_000);

const schema = JSON.parse(readFileSync(resolve(ROOT, 'schemas/run-report.schema.json'), 'utf8'));

describe('drill report: unplanned drill against a killed primary, during traffic', () => {
  it("RPO bounds what the traffic's acknowledgement log says was lost; RTO is the run's own timestamps; the JSON validates; runbook --history lists it", async () => {
    const f = await failoverFlow(dir, 2, cleanups, { lagEvery: '1s' });
    const prefix = unique('kdr-drill');
    const env = { ...process.env, KDR_QUEUE_PREFIX: prefix };
    const config = approvalConfig(600_000, loadConfig(f.file, env));
    const rig = await startSlackRig({ config, prefix, withHealth: true });
    cleanups.push(() => rig.stop());
    const redis = await connectRedis(base.redis.url!);
    cleanups.push(async () => redis.disconnect());
    const health = new HealthStore(redis, prefix);
    const acked = () => readLog<Acked>(ackLog(layout, f.topic));
    const remote = `${f.alias}.${f.topic}`;
    const truth = async () =>
      JSON.parse(
        (await runKdr(['sandbox', 'traffic', '--report', '--topic', f.topic, '--remote', remote, '--json']))
          .stdout,
      );

    // the game day's traffic: `kdr sandbox traffic` as its own process, as the README runs it
    traffic = spawn(
      process.execPath,
      [
        resolve(ROOT, 'bin/kdr.js'),
        ...['sandbox', 'traffic', '--topic', f.topic, '--rate', '20', '--group', `${f.alias}-traffic`],
      ],
      { cwd: ROOT, stdio: 'ignore' },
    );
    const exited = new Promise<void>((r) => traffic!.once('exit', () => r()));
    await eventually('traffic acknowledged and replicated', 90_000, async () =>
      acked().length >= 20 && (await truth()).notReplicated === 0 ? true : undefined,
    );

    // MM2 falls behind: the flow's source connector paused while the traffic goes on
    const source = `${f.alias}->dr.MirrorSourceConnector`;
    await rest.setConnectorState(source, 'pause');
    await eventually('source connector paused', 30_000, async () => {
      const st = await rest.connectorStatus(source);
      return st.state === 'PAUSED' && st.tasks.every((t) => t.state === 'PAUSED') ? true : undefined;
    });
    const pausedAt = acked().length;
    await eventually('40 more acknowledged, and seen by the health check', 90_000, async () => {
      const now = acked();
      const seen = await health.seenEnds(f.flow);
      return now.length >= pausedAt + 40 && seen && Date.parse(seen.at) > Date.parse(now[pausedAt + 39]!.at)
        ? true
        : undefined;
    });

    const injected = await runKdr(['sandbox', 'inject', 'primary-dead']);
    expect(injected.code, injected.stderr).toBe(0);
    traffic.kill('SIGTERM');
    await exited;

    await slash(
      rig,
      `failover ${f.flow} --unplanned --drill --groups ${f.groups.join(',')}`,
      'U0ALICE',
      'C0FOOPS',
    );
    const runs = new RunStore(redis, prefix, join(dir, 'runs'));
    const current = async () => (await runs.list(1))[0];
    await approveAll(rig, 'C0FOINC', 'U0BOB', async () =>
      ['completed', 'failed', 'aborted'].includes((await current())?.state ?? ''),
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${runMessageText(rig, 'C0FOINC')}`);
    });
    const run = (await current())!;
    expect(run.state, runMessageText(rig, 'C0FOINC')).toBe('completed');
    expect(run.drill).toBe(true);
    expect(runMessageText(rig, 'C0FOINC')).toContain('[DRILL]');

    const healed = await runKdr(['sandbox', 'heal']);
    expect(healed.code, healed.stderr).toBe(0);

    // the report: stored, posted in the run's thread, valid against the shipped schema
    const file = join(dir, 'data', 'runs', run.run, 'report.json');
    const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    const validate = new Ajv2020({ allErrors: true, validateFormats: false }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const posted = [...rig.emulator.state.files.values()].find((x) => x.filename === `${run.run}-report.md`);
    expect(posted?.threadTs).toBe(run.ts);
    expect(report).toMatchObject({ drill: true, mode: 'unplanned', state: 'completed' });

    // RTO: the run's own timestamps, from its opening to the end of verify
    const verify = run.steps.find((s) => s.id === 'verify')!;
    expect(report.rto.from).toBe(run.startedAt);
    expect(report.rto.to).toBe(verify.endedAt);
    expect(report.rto.ms).toBe(Date.parse(verify.endedAt!) - Date.parse(run.startedAt));

    // RPO: a lower bound of the truth, short of it by no more than what was acknowledged after the last sight
    const t = await truth();
    // the last sight the run counted from (the health check sees the primary again after the heal)
    const seenAt = Date.parse(report.rpo.lastSeenAt!);
    const unseen = acked().filter((a) => Date.parse(a.at) > seenAt).length;
    const figure = report.rpo.records!;
    expect(t.notReplicated).toBeGreaterThanOrEqual(40);
    expect(figure, 'kdr counts what the health check saw unreplicated').toBeGreaterThanOrEqual(40);
    expect(figure, 'never more than the acknowledgement log says was lost').toBeLessThanOrEqual(
      t.notReplicated,
    );
    expect(
      t.notReplicated - figure,
      'short only by what was acknowledged after the last sight',
    ).toBeLessThanOrEqual(unseen);

    const history = await runKdr(['runbook', '--history', '--config', f.file], { KDR_QUEUE_PREFIX: prefix });
    expect(history.code, history.stderr).toBe(0);
    const line = history.stdout.split('\n').find((l) => l.includes(run.run))!;
    expect(line).toMatch(/unplanned failover\s+yes\s+completed/);
    expect(line).toContain(`${figure}`);
    expect(history.stdout).toContain(`RTO of failover of ${f.flow}`);
  }, 900_000);
});
