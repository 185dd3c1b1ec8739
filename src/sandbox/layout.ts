import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClusterConfig } from '../config/load.js';

export const DEFAULT_KAFKA_VERSION = '4.3.1';
export const COMPAT_KAFKA_VERSION = '3.9.2';

export interface SandboxLayout {
  kafkaVersion: string;
  lane: 'kafka4' | 'kafka39';
  /** Project-local, git-ignored: jars, configs, logs, state.json. */
  stateDir: string;
  jarsDir: string;
  /** Broker data on tmpfs when available: KRaft fsyncs are cheap there. */
  dataDir: string;
  pomPath: string;
  ports: {
    primary: number;
    primaryController: number;
    /** SASL/PLAIN listeners, for principals that are not super users (the freeze's ACL fence is tested on them). */
    primarySasl: number;
    dr: number;
    drController: number;
    drSasl: number;
    connect: number;
    redis: number;
  };
}

/** Where the sandbox lives. `KAFKA_VERSION=3.9.x` selects the compatibility lane. */
export function sandboxLayout(
  root: string,
  env: Record<string, string | undefined> = process.env,
): SandboxLayout {
  const requested = env.KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  const kafkaVersion = /^3\.9(\.x)?$/.test(requested) ? COMPAT_KAFKA_VERSION : requested;
  const stateDir = resolve(env.KDR_SANDBOX_DIR ?? join(root, '.sandbox'));
  const tag = createHash('sha256').update(stateDir).digest('hex').slice(0, 8);
  const tmpfs = existsSync('/dev/shm') ? '/dev/shm' : stateDir;
  return {
    kafkaVersion,
    lane: kafkaVersion.startsWith('3.') ? 'kafka39' : 'kafka4',
    stateDir,
    jarsDir: join(stateDir, 'jars', kafkaVersion),
    dataDir: join(tmpfs, `kdr-sandbox-${tag}`),
    pomPath: join(root, 'sandbox', 'pom.xml'),
    ports: {
      primary: 19092,
      primaryController: 19093,
      primarySasl: 19094,
      dr: 29092,
      drController: 29093,
      drSasl: 29094,
      connect: 18083,
      redis: 6379,
    },
  };
}

export function bootstrapOf(layout: SandboxLayout, cluster: 'primary' | 'dr'): string {
  return `127.0.0.1:${layout.ports[cluster]}`;
}

/** How the sandbox's own readiness checks reach one of its clusters (the defaults of the config schema). */
export function sandboxClusterConfig(layout: SandboxLayout, cluster: 'primary' | 'dr'): ClusterConfig {
  return {
    bootstrap: [bootstrapOf(layout, cluster)],
    ssl: false,
    timeouts: { connectMs: 3000, requestMs: 5000, probeMs: 3000 },
  };
}
