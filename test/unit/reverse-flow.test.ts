import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { flowTopicFilter, isCycle } from '../../src/health/flow-filters.js';
import { reverseConnectorConfig, reversedFlow } from '../../src/runbook/failback/reverse-flow.js';

const config = (policy = 'default') =>
  parseConfig(
    `clusters:
  primary: { bootstrap: ["p:9092"] }
  dr: { bootstrap: ["d:9092"], connect: { url: "http://c:8083" } }
flows:
  - name: p2d
    source: primary
    target: dr
    replicationPolicy: { type: ${policy} }
    mm2: { mode: connect, connectors: { source: "primary->dr.MirrorSourceConnector", checkpoint: "primary->dr.MirrorCheckpointConnector" } }
    failback: { freeze: { denyWrite: ["User:dr-app"] } }
`,
    {},
  );

describe('failback: the reverse flow', () => {
  it('swaps source and target settings, keeps the patterns, points the producer at the new target', () => {
    const out = reverseConnectorConfig({
      name: 'primary->dr.MirrorSourceConnector',
      'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
      'source.cluster.alias': 'primary',
      'target.cluster.alias': 'dr',
      'source.cluster.bootstrap.servers': 'p:9092',
      'target.cluster.bootstrap.servers': 'd:9092',
      'source.cluster.security.protocol': 'SASL_SSL',
      'producer.override.bootstrap.servers': 'd:9092',
      topics: 'orders.*',
      'topics.exclude': '.*\\.internal',
    });
    expect(out).toEqual({
      'connector.class': 'org.apache.kafka.connect.mirror.MirrorSourceConnector',
      'source.cluster.alias': 'dr',
      'target.cluster.alias': 'primary',
      'source.cluster.bootstrap.servers': 'd:9092',
      'target.cluster.bootstrap.servers': 'p:9092',
      'target.cluster.security.protocol': 'SASL_SSL',
      'producer.override.bootstrap.servers': 'p:9092',
      'producer.override.security.protocol': 'SASL_SSL',
      topics: 'orders.*',
      'topics.exclude': '.*\\.internal',
    });
  });

  it('the reversed flow: roles swapped, reverse connectors on the forward Connect cluster, the failback freeze', () => {
    const c = config();
    const r = reversedFlow(c, c.flows[0]!);
    expect(r).toMatchObject({
      name: 'p2d',
      source: 'dr',
      target: 'primary',
      mm2: {
        mode: 'connect',
        url: 'http://c:8083',
        connectors: {
          source: 'dr->primary.MirrorSourceConnector',
          checkpoint: 'dr->primary.MirrorCheckpointConnector',
        },
      },
      freeze: { denyWrite: ['User:dr-app'] },
    });
  });

  it("MM2's cycle check: what came from the target (at any hop) is never replicated to it", () => {
    const c = config();
    const r = reversedFlow(c, c.flows[0]!);
    const keep = flowTopicFilter(r);
    expect(keep('orders')).toBe(true);
    expect(keep('primary.orders')).toBe(false);
    expect(isCycle(r, 'other.primary.orders')).toBe(true);
    expect(isCycle(r, 'other.orders')).toBe(false);
    expect(flowTopicFilter(c.flows[0]!)('dr.orders')).toBe(false);
  });

  it('refused for IdentityReplicationPolicy, which cannot tell replicated topics from local ones', () => {
    const c = config('identity');
    expect(() => reversedFlow(c, c.flows[0]!)).toThrow(/IdentityReplicationPolicy/);
  });
});

describe('failback: the topics that go back', () => {
  it('a pattern of exactly the names assess chose; none matches nothing', async () => {
    const { exactTopics } = await import('../../src/runbook/failback/reverse-flow.js');
    const re = new RegExp(`^(?:${exactTopics(['orders', 'fo1-t.x'])})$`);
    expect(['orders', 'fo1-t.x'].every((t) => re.test(t))).toBe(true);
    expect(['orders2', 'fo1-tax', 'kdr-sandbox-connect-offsets'].some((t) => re.test(t))).toBe(false);
    expect(new RegExp(`^(?:${exactTopics([])})$`).test('orders')).toBe(false);
  });
});
