import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { approvalConfig } from '../helpers/approvals.js';
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
afterAll(async () => {
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
