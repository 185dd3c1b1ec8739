import { expect } from 'vitest';
import { runKdr } from './cli.js';
import { approveAll, slash } from './failover-fixture.js';
import { eventually } from './sandbox.js';
import type { SlackRig } from './slack.js';

type Step = { id: string; state: string; result?: string };
export const stepsText = (run: { steps: Step[] }) =>
  JSON.stringify(
    run.steps.map((s) => `${s.id}:${s.state}:${s.result}`),
    null,
    1,
  );

/** Runs of a test's config, read through the real CLI (`kdr runbook --json`), and a driver through Slack. */
export function runsOf(rig: SlackRig, file: string, prefix: string) {
  const env = { KDR_QUEUE_PREFIX: prefix };
  const show = async (id: string) =>
    JSON.parse((await runKdr(['runbook', id, '--json', '--config', file], env)).stdout).run;
  const newest = async () =>
    JSON.parse((await runKdr(['runbook', '--json', '--config', file], env)).stdout).runs[0];
  /** `/kdr <cmd>` from U0ALICE; resolves with the id of the run it opened. */
  const open = async (cmd: string) => {
    const before = (await newest())?.run;
    await slash(rig, cmd, 'U0ALICE', 'C0FOOPS');
    return eventually(`${cmd} opened`, 60_000, async () => {
      const r = await newest();
      return r && r.run !== before ? (r.run as string) : undefined;
    });
  };
  /** U0BOB approves every step until `until(run)` holds (default: the run ended). */
  const drive = async (
    id: string,
    onLabel: (label: string) => Promise<void> = async () => undefined,
    until: (run: { state: string; steps: Step[] }) => boolean = (r) =>
      ['completed', 'failed', 'aborted'].includes(r.state),
  ) => {
    await approveAll(rig, 'C0FOINC', 'U0BOB', async () => until(await show(id)), onLabel).catch(
      async (err: Error) => {
        const run = await show(id);
        throw new Error(`${err.message}\n${stepsText(run)}\n${run.waitingFor}`);
      },
    );
    return show(id);
  };
  /** Opens and drives a run to completion. */
  const complete = async (cmd: string, onLabel?: (label: string) => Promise<void>) => {
    const run = await drive(await open(cmd), onLabel);
    expect(run.state, stepsText(run)).toBe('completed');
    return run;
  };
  return { show, newest, open, drive, complete };
}
