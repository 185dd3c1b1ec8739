import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from './sandbox.js';

/** Runs the real `kdr` binary (built by `npm test`'s pretest) as a child process. */
export function runKdr(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/kdr.js'), ...args], {
      env: { ...process.env, ...env },
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 }));
  });
}
