import { formatDuration } from '../core/duration.js';
import { asKdrError } from '../core/errors.js';
import { sandboxDown } from '../sandbox/down.js';
import { ensureJars } from '../sandbox/jars.js';
import { sandboxLayout } from '../sandbox/layout.js';
import { formatSandboxStatus, sandboxStatus } from '../sandbox/status.js';
import { sandboxUp } from '../sandbox/up.js';

const say = (line: string) => process.stderr.write(`sandbox: ${line}\n`);

/** `kdr sandbox up|down|status [--json]` */
export async function runSandbox(root: string, argv: string[]): Promise<number> {
  const layout = sandboxLayout(root);
  try {
    switch (argv[0]) {
      case 'up': {
        const r = await sandboxUp(layout, say);
        const s = sandboxStatus(layout);
        process.stdout.write(`${formatSandboxStatus(s)}\n`);
        process.stdout.write(
          `ready in ${formatDuration(r.elapsedMs)} (started: ${r.started.join(', ') || 'nothing'}; already running: ${r.reused.join(', ') || 'nothing'})\n`,
        );
        process.stdout.write(
          `kdr config for it: examples/sandbox.kdr.yaml   e.g. kdr status --config examples/sandbox.kdr.yaml\n`,
        );
        return 0;
      }
      case 'fetch':
        ensureJars(layout, say);
        process.stdout.write(`Kafka ${layout.kafkaVersion} jars in ${layout.jarsDir}\n`);
        return 0;
      case 'down':
        await sandboxDown(layout, say);
        return 0;
      case 'status': {
        const s = sandboxStatus(layout);
        process.stdout.write(
          argv.includes('--json') ? `${JSON.stringify(s, null, 2)}\n` : `${formatSandboxStatus(s)}\n`,
        );
        return 0;
      }
      default:
        process.stderr.write(
          'usage: kdr sandbox up|down|status|fetch [--json]\n  KAFKA_VERSION=3.9.x selects the Kafka 3.9 lane\n',
        );
        return 2;
    }
  } catch (err) {
    const e = asKdrError(err, 'KDR_SANDBOX');
    process.stderr.write(`sandbox: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    return 1;
  }
}
