import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKdrIn } from '../helpers/cli.js';
import { ROOT, SANDBOX_CONFIG } from '../helpers/sandbox.js';

/**
 * No Docker engine runs here, so this rebuilds the Dockerfile's runtime stage as a folder: package files,
 * `npm ci --omit=dev`, then dist/, bin/ and examples/ (what the COPY lines bring), and runs its entry command.
 */
const tree = mkdtempSync(join(tmpdir(), 'kdr-image-'));

beforeAll(() => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/kdr.js"\]$/m);
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(tree, f));
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: tree,
    stdio: 'ignore',
  });
  for (const d of ['dist', 'bin', 'examples']) cpSync(join(ROOT, d), join(tree, d), { recursive: true });
}, 240_000);

afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('the image entry command from a production-only dependency tree', () => {
  it('has no dev dependencies installed', () => {
    const dev = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies);
    const present = execFileSync('ls', [join(tree, 'node_modules')], { encoding: 'utf8' }).split('\n');
    expect(dev.filter((d) => present.includes(d.split('/')[0]!) && !d.startsWith('@types'))).toEqual([]);
  });

  it('runs the CLI (status against the sandbox)', async () => {
    const r = await runKdrIn(tree, ['status', '--json', '--config', SANDBOX_CONFIG]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).clusters).toHaveLength(2);
  });

  it('the default command (bot) starts and refuses to run without Slack settings, naming them', async () => {
    const r = await runKdrIn(tree, ['bot', '--config', SANDBOX_CONFIG], {
      SLACK_BOT_TOKEN: '',
      SLACK_SIGNING_SECRET: '',
      SLACK_APP_TOKEN: '',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SLACK_BOT_TOKEN');
  });

  it('the worker starts from the same image and stops cleanly on SIGTERM', async () => {
    const r = await runKdrIn(
      tree,
      ['worker', '--config', SANDBOX_CONFIG],
      {
        SLACK_BOT_TOKEN: 'xoxb-image-test',
        SLACK_SIGNING_SECRET: 's',
        KDR_LOG_LEVEL: 'info',
        KDR_METRICS_PORT: '0',
      },
      60_000,
      (stderr) => stderr.includes('kdr worker started'),
    );
    expect(r.stderr).toContain('kdr worker started');
    expect(r.code).toBe(0);
  });
});
