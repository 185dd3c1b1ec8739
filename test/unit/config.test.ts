import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, resolveConfigPath } from '../../src/config/load.js';
import { readSlackEnv } from '../../src/config/slack-env.js';
import type { KdrError } from '../../src/core/errors.js';
import { SANDBOX_CONFIG } from '../helpers/sandbox.js';

const base = `
clusters:
  primary: { bootstrap: ["p:9092"], sasl: { mechanism: scram-sha-512, username: u, password: "\${PW}" } }
  dr: { bootstrap: ["d:9092"], connect: { url: "http://c:8083" } }
flows:
  - { name: f, source: primary, target: dr, mm2: { mode: connect, connectors: { source: s } } }
`;

function errorOf(text: string, env: Record<string, string> = { PW: 'x' }): KdrError {
  try {
    parseConfig(text, env, 'kdr.yaml');
  } catch (err) {
    return err as KdrError;
  }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('loads the sandbox example with defaults filled in', () => {
    const cfg = parseConfig(readFileSync(SANDBOX_CONFIG, 'utf8'), {});
    expect(cfg.flows[0]).toMatchObject({
      name: 'primary-to-dr',
      rpo: 60_000,
      rto: 900_000,
      replicationPolicy: { type: 'default', separator: '.' },
    });
    expect(cfg.redis.url!).toBe('redis://127.0.0.1:6379');
    expect(cfg.clusters.primary!.timeouts).toEqual({ connectMs: 3000, requestMs: 5000, probeMs: 3000 });
  });

  it('takes Redis behind sentinels (issue 15); refuses both or neither of url and sentinel, naming the field', () => {
    const cfg = parseConfig(
      `${base}redis:\n  sentinel: { sentinels: ["s1:26379", "s2:26379"], name: kdr, password: "\${PW}" }\n  prefix: k\n`,
      { PW: 'x' },
    );
    expect(cfg.redis).toEqual({
      prefix: 'k',
      sentinel: { sentinels: ['s1:26379', 's2:26379'], name: 'kdr', password: 'x', tls: false },
      switchPatience: 30_000,
    });
    const both = errorOf(
      `${base}redis:\n  url: redis://r:6379\n  sentinel: { sentinels: ["s1:26379"], name: kdr }\n`,
    );
    expect(both.message).toContain('redis: expected either redis.url or redis.sentinel');
    const bad = errorOf(`${base}redis:\n  sentinel: { sentinels: ["s1"], name: kdr }\n`);
    expect(bad.message).toContain('redis.sentinel.sentinels[0]: expected host:port');
  });

  it('substitutes ${VAR} from the environment', () => {
    const cfg = parseConfig(base, { PW: 's3cret' });
    expect(cfg.clusters.primary!.sasl!.password).toBe('s3cret');
  });

  it('names a missing environment variable and the field that uses it', () => {
    const e = errorOf(base, {});
    expect(e.code).toBe('KDR_CONFIG_ENV');
    expect(e.message).toContain('clusters.primary.sasl.password');
    expect(e.message).toContain('PW is not set');
  });

  it('names the path and the expectation for a wrong type', () => {
    const e = errorOf(base.replace('["p:9092"]', '5'));
    expect(e.code).toBe('KDR_CONFIG');
    expect(e.message).toMatch(/clusters\.primary\.bootstrap: .*expected array/);
  });

  it('refuses a flow whose source is not a cluster, even alongside other errors', () => {
    const e = errorOf(base.replace('source: primary', 'source: prod').replace('["d:9092"]', '[]'));
    expect(e.message).toContain('flows[0].source: expected one of the clusters (primary, dr), got "prod"');
    expect(e.message).toContain('clusters.dr.bootstrap');
  });

  it('refuses unknown fields, bad durations and bad regexes by name', () => {
    expect(errorOf(base.replace('flows:', 'flowz: []\nflows:')).message).toContain(
      '(top level): unknown field(s) "flowz"',
    );
    expect(errorOf(base.replace('mm2:', 'rpo: soon, mm2:')).message).toContain(
      'flows[0].rpo: expected a duration',
    );
    expect(errorOf(base.replace('mm2:', 'topics: "orders(", mm2:')).message).toContain(
      'flows[0].topics: expected a regular expression kdr runs in linear time',
    );
  });

  it('checks the backup section: scheduled clusters, retention, drift schedule', () => {
    const e = errorOf(`${base}backup: { retain: 0, schedule: [{ cluster: prod, every: 1h }] }\n`);
    expect(e.message).toContain(
      'backup.schedule[0].cluster: expected one of the clusters (primary, dr), got "prod"',
    );
    expect(e.message).toContain('backup.retain');
    expect(errorOf(base.replace('mm2:', 'driftCheck: { every: sometimes }, mm2:')).message).toContain(
      'flows[0].driftCheck.every',
    );
    const ok = parseConfig(
      `${base}backup: { schedule: [{ cluster: primary, every: 6h }] }\n`,
      { PW: 'x' },
      'kdr.yaml',
    );
    expect(ok.backup).toEqual({
      retain: 30,
      schemasTopic: '_schemas',
      schedule: [{ cluster: 'primary', every: 21_600_000 }],
    });
    expect(ok.flows[0]!.driftCheck.every).toBe(300_000);
  });

  it('requires a Connect URL for connect-mode flows', () => {
    const e = errorOf(base.replace(', connect: { url: "http://c:8083" }', ''));
    expect(e.message).toContain('flows[0].mm2.url');
  });

  it('reports YAML syntax errors', () => {
    expect(errorOf('clusters: [').message).toContain('not valid YAML');
  });

  it('finds the file from --config, then KDR_CONFIG, then ./kdr.yaml', () => {
    expect(resolveConfigPath('a.yaml', { KDR_CONFIG: 'b.yaml' })).toBe('a.yaml');
    expect(resolveConfigPath(undefined, { KDR_CONFIG: 'b.yaml' })).toBe('b.yaml');
    expect(resolveConfigPath(undefined, {})).toBe('kdr.yaml');
  });

  it('validates the Slack environment of the bot, naming the variable', () => {
    expect(() => readSlackEnv({})).toThrow(/SLACK_BOT_TOKEN: is not set/);
    expect(() => readSlackEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET: is not set/);
    expect(readSlackEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).PORT).toBe(3000);
  });
});
