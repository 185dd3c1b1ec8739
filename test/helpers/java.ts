import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
  extraClasspath?: string,
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
      extraClasspath ? `${extraClasspath}:${layout.jarsDir}/*` : `${layout.jarsDir}/*`,
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

/** Compiles test/java/TranslateCheck.java against the sandbox's jars (once per Kafka version) and returns the class dir. */
export function compileTranslateCheck(): string {
  const layout = sandboxLayout(ROOT);
  const out = join(layout.jarsDir, '..', `classes-${layout.kafkaVersion}`);
  if (!existsSync(join(out, 'TranslateCheck.class'))) {
    mkdirSync(out, { recursive: true });
    execFileSync('javac', [
      '-cp',
      `${layout.jarsDir}/*`,
      '-d',
      out,
      join(ROOT, 'test/java/TranslateCheck.java'),
    ]);
  }
  return out;
}

export interface RcuResult {
  group: string;
  /** Time inside the JVM for the call alone. */
  ms: number;
  offsets: Array<[string, number, number]>;
}

/** RemoteClusterUtils.translateOffsets for each group, in one JVM; `wallMs` includes the JVM start. */
export async function remoteClusterUtils(
  bootstrap: string,
  alias: string,
  groups: string[],
  policy: { policyClass?: string; separator?: string } = {},
): Promise<{ results: RcuResult[]; wallMs: number }> {
  const classes = compileTranslateCheck();
  const r = await runKafkaJava(
    'TranslateCheck',
    [bootstrap, alias, policy.policyClass ?? '-', policy.separator ?? '-', ...groups],
    90_000,
    classes,
  );
  if (r.code !== 0) throw new Error(`TranslateCheck exited ${r.code}: ${r.stderr.slice(0, 2000)}`);
  return {
    results: r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as RcuResult),
    wallMs: r.ms,
  };
}
