import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKdrIn } from '../helpers/cli.js';
import { eventually, ROOT, SANDBOX_CONFIG } from '../helpers/sandbox.js';
import { freePort } from '../helpers/slack.js';

/**
 * No Docker engine runs here, so this rebuilds the Dockerfile's runtime stage as a folder: package files,
 * `npm ci --omit=dev`, then dist/, bin/ and examples/ (what the COPY lines bring), and runs its entry command.
 */
const tree = mkdtempSync(join(tmpdir(), 'kdr-image-'));
const volumeParent = mkdtempSync(join(tmpdir(), 'kdr-volume-'));
const volume = join(volumeParent, 'kdr');
/** The image runs as the unprivileged `node` user; here, nobody. */
const NOBODY = 65534;
const CONFIG = join(tree, 'examples', 'sandbox.kdr.yaml');

beforeAll(() => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/kdr.js"\]$/m);
  // pinned base image (an exact Node release in both stages), a data volume, a health check
  expect(dockerfile.match(/^FROM node:\d+\.\d+\.\d+-bookworm-slim AS (build|runtime)$/gm)).toHaveLength(2);
  expect(dockerfile).toMatch(/KDR_DATA_DIR=\/var\/lib\/kdr/);
  expect(dockerfile).toMatch(/^VOLUME \/var\/lib\/kdr$/m);
  expect(dockerfile).toMatch(/chown node:node \/var\/lib\/kdr/);
  expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "bin\/healthcheck.js"\]$/m);
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const d of ['node_modules', '.git', '.sandbox', '.kdr', 'dist']) expect(ignored).toContain(d);
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(tree, f));
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: tree,
    stdio: 'ignore',
  });
  for (const d of ['dist', 'bin', 'examples']) cpSync(join(ROOT, d), join(tree, d), { recursive: true });
  chmodSync(tree, 0o755); // the image's /app: readable by its unprivileged user, not writable
  // the image's volume: owned by the unprivileged user
  chmodSync(volumeParent, 0o755);
  mkdirSync(volume, { mode: 0o700 });
  chownSync(volume, NOBODY, NOBODY);
}, 240_000);

afterAll(() => {
  rmSync(tree, { recursive: true, force: true });
  rmSync(volumeParent, { recursive: true, force: true });
});

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

  it('as the unprivileged user, a worker whose data dir is not writable refuses to start, saying what to mount', async () => {
    const r = await runKdrIn(
      tree,
      ['worker', '--config', CONFIG],
      { SLACK_BOT_TOKEN: 'xoxb-image-test', SLACK_SIGNING_SECRET: 's', KDR_DATA_DIR: join(tree, 'data') },
      60_000,
      undefined,
      NOBODY,
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `the data dir ${join(tree, 'data')} is not writable by this process (uid ${NOBODY})`,
    );
    expect(r.stderr).toContain('VOLUME /var/lib/kdr');
  });

  it('as the unprivileged user with the volume: the worker starts, its health check passes, it stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-image-test',
      SLACK_SIGNING_SECRET: 's',
      KDR_LOG_LEVEL: 'info',
      KDR_METRICS_PORT: String(port),
      KDR_DATA_DIR: volume,
    };
    // the worker as nobody; once it says it started, the image's health check runs against it, then SIGTERM
    const child = spawn(
      'setpriv',
      [
        `--reuid=${NOBODY}`,
        `--regid=${NOBODY}`,
        '--clear-groups',
        process.execPath,
        join(tree, 'bin', 'kdr.js'),
        'worker',
        '--config',
        CONFIG,
      ],
      { cwd: tree, env: { ...process.env, ...env } },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number>((done) => child.on('close', (code) => done(code ?? -1)));
    await eventually('kdr worker started', 60_000, async () =>
      stderr.includes('kdr worker started') ? true : undefined,
    );
    expect(await healthcheck(port)).toBe(0);
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(await healthcheck(port)).toBe(1); // nothing answers once it stopped
  });
});

/** The image's HEALTHCHECK command against the given metrics port (no bot port answers here). */
function healthcheck(port: number): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(tree, 'bin', 'healthcheck.js')], {
      env: { ...process.env, PORT: '1', KDR_HEALTH_PORT: String(port) },
    });
    child.on('close', (code) => done(code ?? -1));
  });
}
