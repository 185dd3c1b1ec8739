import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxLayout } from '../../src/sandbox/layout.js';
import { log4j2Properties, log4jProperties } from '../../src/sandbox/properties.js';
import { ROOT } from './sandbox.js';

/** Runs a class from the sandbox's Kafka jars (kafka-tools, connect-mirror-client...) with logs to a file. */
export function runKafkaJava(
  mainClass: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const layout = sandboxLayout(ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'kdr-java-'));
  const cfg = join(dir, 'log.properties');
  writeFileSync(
    cfg,
    layout.lane === 'kafka4'
      ? log4j2Properties(join(dir, 'java.log'))
      : log4jProperties(join(dir, 'java.log')),
  );
  const logFlag =
    layout.lane === 'kafka4' ? `-Dlog4j2.configurationFile=${cfg}` : `-Dlog4j.configuration=file:${cfg}`;
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn('java', [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      logFlag,
      '-cp',
      `${layout.jarsDir}/*`,
      mainClass,
      ...args,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
