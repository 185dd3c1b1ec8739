import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KdrError } from '../core/errors.js';
import type { SandboxLayout } from './layout.js';

/** Fetches the official Apache Kafka jars from Maven Central into the (git-ignored) jars folder, once. */
export function ensureJars(layout: SandboxLayout, say: (line: string) => void): void {
  const marker = join(layout.jarsDir, '.complete');
  if (existsSync(marker)) return;
  say(`fetching Apache Kafka ${layout.kafkaVersion} jars from Maven Central (first run only)...`);
  const args = [
    '-B',
    '-q',
    '-f',
    layout.pomPath,
    `-Dkafka.version=${layout.kafkaVersion}`,
    `-Dout.dir=${layout.jarsDir}`,
    '-P',
    layout.lane,
    'dependency:copy-dependencies',
  ];
  const res = spawnSync('mvn', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error || res.status !== 0) {
    const detail = res.error
      ? res.error.message
      : (res.stdout + res.stderr)
          .split('\n')
          .filter((l) => l.includes('ERROR'))
          .slice(0, 3)
          .join(' ');
    throw new KdrError('KDR_SANDBOX_JARS', `Maven could not fetch Kafka ${layout.kafkaVersion}: ${detail}`, {
      hint: 'needs Maven 3.8+ on PATH and Maven Central reachable; KAFKA_VERSION selects the version',
      retriable: true,
    });
  }
  const jars = readdirSync(layout.jarsDir).filter((f) => f.endsWith('.jar'));
  if (!jars.some((j) => j.startsWith('connect-mirror-client'))) {
    throw new KdrError(
      'KDR_SANDBOX_JARS',
      `Kafka ${layout.kafkaVersion} on Maven Central lacks connect-mirror-client`,
      {
        hint: `choose another release with KAFKA_VERSION (default ${layout.kafkaVersion})`,
      },
    );
  }
  writeFileSync(marker, `${jars.length} jars\n`);
}
