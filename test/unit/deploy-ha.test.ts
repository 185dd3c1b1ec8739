import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';

/**
 * The HA layout (deploy/compose.ha.yaml with deploy/kdr.ha.yaml) fits the image and kdr's config: no Docker engine
 * runs here, so what can be checked without one is checked: the config loads as kdr loads it, the sentinels it names
 * are the compose services and monitor the master name it uses, the Redis servers evict nothing, every kdr container
 * runs a role the image has, shares the audit key and mounts the data dir where the Dockerfile puts it.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(join(ROOT, 'deploy/compose.ha.yaml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      command?: string | string[];
      volumes?: string[];
      environment?: Record<string, string>;
      deploy?: { replicas?: number };
      image?: string;
    }
  >;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const env = {
  KDR_REDIS_PASSWORD: 'p',
  KDR_OPS_CHANNEL: 'C0OPS',
  KDR_INCIDENT_CHANNEL: 'C0INC',
  KDR_STAKEHOLDER_CHANNEL: 'C0STK',
  KDR_APPROVER_GROUP: 'S0LEADS',
};
const config = loadConfig(join(ROOT, 'deploy/kdr.ha.yaml'), env);
const commandOf = (s: { command?: string | string[] }) =>
  Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '');

describe('the HA deployment layout', () => {
  it('kdr reaches Redis through the compose file’s sentinels, which monitor the master name kdr asks for', () => {
    const sentinel = config.redis.sentinel!;
    expect(config.redis.url).toBeUndefined();
    for (const addr of sentinel.sentinels) {
      const [host, port] = addr.split(':');
      const service = compose.services[host!];
      expect(service, `sentinel service ${host}`).toBeDefined();
      expect(commandOf(service!)).toContain(`port ${port}`);
      expect(commandOf(service!)).toMatch(
        new RegExp(`sentinel monitor ${sentinel.name} redis-master 6379 2`),
      );
    }
    expect(sentinel.sentinels.length).toBeGreaterThanOrEqual(3);
  });

  it('the Redis servers evict nothing and keep an append-only file; the replica follows the master', () => {
    for (const name of ['redis-master', 'redis-replica']) {
      const cmd = commandOf(compose.services[name]!);
      expect(cmd).toContain('--maxmemory-policy noeviction');
      expect(cmd).toContain('--appendonly yes');
    }
    expect(commandOf(compose.services['redis-replica']!)).toContain('--replicaof redis-master 6379');
  });

  it('two bots and two workers of the image, sharing the audit key and the data volume at the image’s data dir', () => {
    const dataDir = /KDR_DATA_DIR=(\S+)/.exec(dockerfile)![1]!;
    expect(config.dataDir).toBe(dataDir);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/kdr.js"]');
    const roles = { bot: 'bot', worker: 'worker' } as const;
    for (const [service, role] of Object.entries(roles)) {
      const s = compose.services[service]!;
      expect(s.command).toEqual([role]);
      expect(s.deploy?.replicas).toBe(2);
      expect(s.volumes).toContain(`kdr-data:${dataDir}`);
      expect(s.volumes).toContain('./kdr.ha.yaml:/etc/kdr/kdr.yaml:ro');
      expect(s.environment?.KDR_AUDIT_KEY).toMatch(/KDR_AUDIT_KEY/);
    }
    expect(dockerfile).toContain('KDR_CONFIG=/etc/kdr/kdr.yaml');
  });

  it('the kdr roles the compose file runs exist in the CLI', async () => {
    const cli = readFileSync(join(ROOT, 'src/bin/cli.ts'), 'utf8');
    for (const role of ['bot', 'worker']) expect(cli).toMatch(new RegExp(`\\n\\s+${role}: async`));
  });
});
