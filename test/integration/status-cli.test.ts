import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKdr } from '../helpers/cli.js';
import { SANDBOX_CONFIG } from '../helpers/sandbox.js';

const tmp = mkdtempSync(join(tmpdir(), 'kdr-cli-'));
function configWith(replace: (text: string) => string): string {
  const path = join(tmp, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, replace(readFileSync(SANDBOX_CONFIG, 'utf8')));
  return path;
}

describe('kdr status on the real sandbox', () => {
  it('--json: both clusters reachable, flow connectors RUNNING, heartbeat age under 10 s', async () => {
    const r = await runKdr(['status', '--json', '--config', SANDBOX_CONFIG]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.clusters.map((c: { name: string; reachable: boolean }) => [c.name, c.reachable])).toEqual([
      ['primary', true],
      ['dr', true],
    ]);
    for (const c of doc.clusters) {
      expect(c).toMatchObject({ brokers: 1, controller: 1, underReplicated: 0, offline: 0 });
      expect(c.topics).toBeGreaterThan(0);
      expect(c.partitions).toBeGreaterThanOrEqual(c.topics);
    }
    const [flow] = doc.flows;
    expect(flow).toMatchObject({
      name: 'primary-to-dr',
      source: 'primary',
      target: 'dr',
      heartbeatTopic: 'primary.heartbeats',
    });
    expect(flow.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect(flow.heartbeatAgeMs).toBeLessThan(10_000);
    expect(flow).toMatchObject({
      verdict: 'ok',
      rpoMs: 60_000,
      reason: expect.stringMatching(/^heartbeats .* old, RPO 1 min 00 s$/),
    });
    expect(flow.replicationLatencyMs).toBeGreaterThanOrEqual(flow.heartbeatAgeMs);
    // the shared sandbox collects other tests' topics and groups; connector problems would still show here
    expect(flow.problems.filter((p: string) => /connector|task|unreachable/.test(p))).toEqual([]);
    expect(flow.connectors.map((c: { role: string; state: string }) => [c.role, c.state])).toEqual([
      ['source', 'RUNNING'],
      ['checkpoint', 'RUNNING'],
      ['heartbeat', 'RUNNING'],
    ]);
  });

  it('prints an aligned table without --json', async () => {
    const r = await runKdr(['status', '--config', SANDBOX_CONFIG]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cluster\s+reachable\s+brokers/m);
    expect(r.stdout).toMatch(/^primary-to-dr\s+primary -> dr\s+OK\s+heartbeats /m);
  });

  it('with dr on a dead port: answers, says which cluster is unreachable and why, and exits 0 (it did its job)', async () => {
    const dead = configWith((t) =>
      t.replace('127.0.0.1:29092', '127.0.0.1:29999').replace('127.0.0.1:18083', '127.0.0.1:18999'),
    );
    const r = await runKdr(['status', '--json', '--config', dead]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const dr = doc.clusters.find((c: { name: string }) => c.name === 'dr');
    expect(dr.reachable).toBe(false);
    expect(dr.error).toContain('127.0.0.1:29999');
    expect(dr.error).toMatch(/ECONNREFUSED|did not answer/);
    expect(doc.clusters.find((c: { name: string }) => c.name === 'primary').reachable).toBe(true);
    expect(doc.flows[0].heartbeatAgeMs).toBeNull();
    expect(doc.flows[0]).toMatchObject({
      verdict: 'unknown',
      reason: expect.stringContaining('target cluster is unreachable'),
    });
    expect(doc.flows[0].problems.join('\n')).toContain(
      'Kafka Connect at http://127.0.0.1:18999 is unreachable',
    );
  });

  it('with dr accepting connections but never answering: reports it unreachable instead of hanging', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const hung = configWith((t) =>
        t.replace(
          'bootstrap: ["127.0.0.1:29092"]',
          `bootstrap: ["127.0.0.1:${port}"]\n    timeouts: { connectMs: 1500, requestMs: 2000 }`,
        ),
      );
      const r = await runKdr(['status', '--json', '--config', hung]);
      expect(r.code).toBe(0);
      const dr = JSON.parse(r.stdout).clusters.find((c: { name: string }) => c.name === 'dr');
      expect(dr.reachable).toBe(false);
      expect(dr.error).toContain(`127.0.0.1:${port}`);
      console.info(`status with a silent dr answered in ${r.ms} ms (probe ${dr.elapsedMs} ms): ${dr.error}`);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('unknown flow: exit 2 with the known flows named', async () => {
    const r = await runKdr(['status', 'nope', '--config', SANDBOX_CONFIG]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flow "nope"');
    expect(r.stderr).toContain('known flows: primary-to-dr');
  });

  it('unknown sub-command and malformed flags: exit 2 with usage', async () => {
    const a = await runKdr(['frobnicate', '--config', SANDBOX_CONFIG]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown sub-command "frobnicate"');
    const b = await runKdr(['status', '--bogus', '--config', SANDBOX_CONFIG]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("unknown flag '--bogus'");
  });

  it('invalid config: exit 2, field path and expectation in one readable message, no stack trace', async () => {
    const wrongType = configWith((t) => t.replace('bootstrap: ["127.0.0.1:19092"]', 'bootstrap: 19092'));
    const a = await runKdr(['status', '--config', wrongType]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/clusters\.primary\.bootstrap: .*expected array/);
    expect(a.stderr).not.toMatch(/\n\s+at /);

    const unknownSource = configWith((t) => t.replace('source: primary', 'source: prod'));
    const b = await runKdr(['status', '--config', unknownSource]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('flows[0].source: expected one of the clusters (primary, dr), got "prod"');

    const missingEnv = configWith((t) =>
      t.replace(
        'bootstrap: ["127.0.0.1:19092"]',
        'bootstrap: ["127.0.0.1:19092"]\n    sasl: { mechanism: plain, username: kdr, password: "${KDR_TEST_UNSET_PW}" }',
      ),
    );
    const c = await runKdr(['status', '--config', missingEnv]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(
      'clusters.primary.sasl.password: environment variable KDR_TEST_UNSET_PW is not set',
    );

    const d = await runKdr(['status', '--config', join(tmp, 'absent.yaml')]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('not found');
  });

  it('finds the config through KDR_CONFIG', async () => {
    const r = await runKdr(['status', '--json'], { KDR_CONFIG: SANDBOX_CONFIG });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).flows[0].name).toBe('primary-to-dr');
  });
});
