import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from './sandbox.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `bin/kdr.js` of the tree at `root` as a child process. Long-running commands get SIGTERM as soon as
 * `termWhen(stderr)` holds, or after `termAfterMs` at the latest.
 */
export function runKdrIn(
  root: string,
  args: string[],
  env: Record<string, string> = {},
  termAfterMs?: number,
  termWhen?: (stderr: string) => boolean,
  /** Run as this uid and gid (setpriv), e.g. 65534: an unprivileged user, as the image runs. */
  uid?: number,
): Promise<RunResult> {
  return new Promise((done) => {
    const t0 = Date.now();
    const argv = [resolve(root, 'bin/kdr.js'), ...args];
    const child =
      uid === undefined
        ? spawn(process.execPath, argv, { env: { ...process.env, ...env }, cwd: root })
        : spawn(
            'setpriv',
            [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, ...argv],
            { env: { ...process.env, ...env }, cwd: root },
          );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    let termed = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!termed && termWhen?.(stderr)) {
        termed = true;
        child.kill('SIGTERM');
      }
    });
    const timer = termAfterMs ? setTimeout(() => child.kill('SIGTERM'), termAfterMs) : undefined;
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Runs the project's own `kdr` binary (built by `npm test`'s pretest). */
export function runKdr(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runKdrIn(ROOT, args, env);
}
