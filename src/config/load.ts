import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { KdrError } from '../core/errors.js';
import { formatPath, substituteEnv } from './env-substitute.js';
import { type Config, configSchema, crossCheck } from './schema.js';

export type { ClusterConfig, Config, FlowConfig, SlackConfig } from './schema.js';

/** Stands in for a config where a command needs none (usage, help). */
export const NO_CONFIG: Config = {
  clusters: {},
  flows: [],
  redis: { url: 'redis://127.0.0.1:6379', prefix: 'kdr', switchPatience: 30_000 },
  worker: { concurrency: 4, coalesce: 2000, metrics: { host: '0.0.0.0', port: 9464 } },
  checkpointIndex: { interval: 1000, maxAge: 15_000 },
  changes: { lockTtl: 30_000, pace: 0, sweep: 2000 },
  runbook: { watch: 3000, exactOffsets: true, stuckAfter: 60_000 },
  hooks: {},
  dataDir: '.kdr',
  audit: { keep: 100_000 },
  backup: { retain: 30, schemasTopic: '_schemas', schedule: [] },
};

/** Config at --config FILE, else $KDR_CONFIG, else ./kdr.yaml. */
export function resolveConfigPath(flag: string | undefined, env: Record<string, string | undefined>): string {
  return flag ?? env.KDR_CONFIG ?? 'kdr.yaml';
}

/** Raw text in, valid config out. Throws KdrError('KDR_CONFIG') naming every bad field and what was expected. */
export function parseConfig(
  text: string,
  env: Record<string, string | undefined>,
  origin = 'config',
): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new KdrError('KDR_CONFIG', `${origin}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'fix the YAML syntax at the line shown',
    });
  }
  const substituted = substituteEnv(raw ?? {}, env) as Record<string, unknown>;
  // a config that names no data dir takes the deployment's (the image sets KDR_DATA_DIR to its volume)
  if (substituted && typeof substituted === 'object' && substituted.dataDir === undefined && env.KDR_DATA_DIR)
    substituted.dataDir = env.KDR_DATA_DIR;
  const result = configSchema.safeParse(substituted);
  const issues = [
    ...(result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: describeIssue(i) }))),
    ...crossCheck(substituted),
  ];
  if (!result.success || issues.length > 0) {
    const lines = issues.map((issue) => `  ${formatPath(issue.path)}: ${issue.message}`);
    throw new KdrError('KDR_CONFIG', `${origin} is invalid:\n${lines.join('\n')}`, {
      hint: 'fix the fields listed; the schema is in src/config/schema.ts and examples/ has a working file',
    });
  }
  return result.data!;
}

export function loadConfig(path: string, env: Record<string, string | undefined>): Config {
  if (!existsSync(path)) {
    throw new KdrError('KDR_CONFIG', `config file ${path} not found`, {
      hint: 'pass --config FILE or set KDR_CONFIG; examples/sandbox.kdr.yaml points at the sandbox',
    });
  }
  return parseConfig(readFileSync(path, 'utf8'), env, path);
}

function describeIssue(issue: { code: string; message: string; keys?: string[] }): string {
  if (issue.code === 'unrecognized_keys' && issue.keys)
    return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}
