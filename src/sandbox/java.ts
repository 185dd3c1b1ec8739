import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLayout } from './layout.js';
import { log4j2Properties, log4jProperties } from './properties.js';

const SMALL_JVM = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-UsePerfData',
  '-Djava.awt.headless=true',
  '-Djava.net.preferIPv4Stack=true',
];

/** Java arguments to run `mainClass` from the sandbox jars with a small heap and a file logger. */
export function javaArgs(
  layout: SandboxLayout,
  name: string,
  heap: string[],
  mainClass: string,
  args: string[],
): string[] {
  const logFile = join(layout.stateDir, 'logs', `${name}.log`);
  const cfgFile = join(layout.stateDir, 'config', `${name}-log.properties`);
  const log4j2 = layout.lane === 'kafka4';
  writeFileSync(cfgFile, log4j2 ? log4j2Properties(logFile) : log4jProperties(logFile));
  const logFlag = log4j2 ? `-Dlog4j2.configurationFile=${cfgFile}` : `-Dlog4j.configuration=file:${cfgFile}`;
  return [...heap, ...SMALL_JVM, logFlag, '-cp', `${layout.jarsDir}/*`, mainClass, ...args];
}

/** 256 MB ran out of heap at 2,000 partitions and 200 groups (bench/lag-scale.ts); KDR_SANDBOX_BROKER_HEAP overrides. */
export const BROKER_HEAP = ['-Xms64m', `-Xmx${process.env.KDR_SANDBOX_BROKER_HEAP ?? '512m'}`];
export const CONNECT_HEAP = ['-Xms64m', '-Xmx384m'];
