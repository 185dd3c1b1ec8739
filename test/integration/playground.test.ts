import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { approvalConfig } from '../helpers/approvals.js';
import { failoverFlow } from '../helpers/failover-fixture.js';
import { eventually, ROOT, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';
import { checkpointedGroups } from '../helpers/translate-fixture.js';

/** Debian's chromium: /usr/bin/chromium is a wrapper script; Playwright needs the binary itself. */
const CHROMIUM =
  process.env.KDR_CHROMIUM ?? ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p))!;

const config = approvalConfig(120_000);
const flow = config.flows[0]!;
const topic = unique('pg');
const group = unique('pg-g');
const dr = new ClusterReader('dr', config.clusters.dr!);
let rig: SlackRig;
let browser: Browser;

beforeAll(async () => {
  await checkpointedGroups(config, flow, topic, 1, 6, [group], 2);
  rig = await startSlackRig({ config });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 180_000);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await browser?.close();
  await rig?.stop();
  await dr.close();
});

describe('the playground in headless Chromium', () => {
  it('runs /kdr, shows the approval, refuses the requester, lets another user approve; screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('dialog', (d) => void d.accept()); // the Approve button's confirm dialog
    await page.goto(`${rig.emulator.url}/playground`);
    await page.selectOption('#user', 'U0ALICE');
    await page.fill('#text', `/kdr translate ${group} --commit`);
    await page.click('#slash button');
    await page.getByText('Approval needed').waitFor({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('two-person rule').waitFor({ timeout: 15_000 });

    await page.selectOption('#user', 'U0BOB');
    await expect.poll(async () => page.getByText('two-person rule').count(), { timeout: 5000 }).toBe(0); // ephemeral: Alice's only
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/Done: committed 1 partition/).waitFor({ timeout: 60_000 });
    expect((await dr.groupOffsets(group)).length).toBe(1);

    const dir = join(ROOT, 'test-results');
    mkdirSync(dir, { recursive: true });
    const shot = join(dir, 'playground.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    await eventually('thread shown', 10_000, async () =>
      (await page.locator('.thread').count()) > 0 ? true : undefined,
    );
  });
});

describe('a failover run in the playground', () => {
  it('the run message in the incident channel: checklist, the plan, Approve by another person; screenshot', async () => {
    const f = await failoverFlow(mkdtempSync(join(tmpdir(), 'kdr-pg-')), 2, cleanups);
    const runCfg = approvalConfig(
      600_000,
      loadConfig(f.file, { ...process.env, KDR_QUEUE_PREFIX: unique('kdr-pg') }),
    );
    const runRig = await startSlackRig({ config: runCfg });
    cleanups.push(() => runRig.stop());
    const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    page.on('dialog', (d) => void d.accept());
    // typed in the flow's ops channel: outside kdr's channels a failover is refused (slack.access defaults)
    await page.goto(`${runRig.emulator.url}/playground?channel=C0FOOPS`);
    await page.selectOption('#user', 'U0ALICE');
    await page.fill('#text', `/kdr failover ${f.flow}`);
    await page.click('#slash button');
    await page.getByRole('button', { name: '# C0FOINC' }).click({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Approve freeze' }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => page.getByText('*assess* done').count(), { timeout: 5000 }).toBe(0); // rendered, not raw
    await page.selectOption('#user', 'U0BOB');
    await page.getByRole('button', { name: 'Approve freeze' }).click();
    await page.getByRole('button', { name: 'Approve fence' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 5000 });
    const dir = join(ROOT, 'test-results');
    mkdirSync(dir, { recursive: true });
    const shot = join(dir, 'playground-run.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 300_000);
});
