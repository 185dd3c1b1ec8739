import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/mm2/checkpoint-codec.js';
import { decodeHeartbeat } from '../../src/mm2/heartbeat-codec.js';
import { remoteTopic, replicatedHeartbeatsTopic } from '../../src/mm2/naming.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('MM2 record codecs', () => {
  it('decodes the worked checkpoint example byte for byte', () => {
    const key = hex('000a 6f7264657273 2d617070 0008 412e6f7264657273 00000003');
    const value = hex('0000 00000000000003e8 00000000000003e6 0000');
    expect(decodeCheckpoint(key, value)).toEqual({
      group: 'orders-app',
      topic: 'A.orders',
      partition: 3,
      upstreamOffset: 1000n,
      downstreamOffset: 998n,
      metadata: '',
    });
  });

  it('decodes the worked heartbeat example', () => {
    expect(decodeHeartbeat(hex('0001 42 0001 41'), hex('0000 0000018bcfe56800'))).toEqual({
      sourceClusterAlias: 'B',
      targetClusterAlias: 'A',
      timestamp: 1700000000000,
    });
  });

  it('skips tombstones and reads any value version with the v0 layout', () => {
    expect(decodeHeartbeat(hex('0001 42 0001 41'), null)).toBeNull();
    expect(decodeHeartbeat(hex('0001 42 0001 41'), hex('0007 0000018bcfe56800 ffff'))?.timestamp).toBe(
      1700000000000,
    );
  });

  it('throws a decode error (never garbage) on truncated or negative-length fields', () => {
    expect(() => decodeHeartbeat(hex('0005 42'), hex('0000 0000018bcfe56800'))).toThrow(/too short/);
    expect(() => decodeHeartbeat(hex('ffff'), hex('0000 0000018bcfe56800'))).toThrow(
      /negative string length/,
    );
    expect(() => decodeCheckpoint(hex('0001 41 0001 42 00000001'), hex('0000 00'))).toThrow(/too short/);
  });

  it('never throws anything but an Error on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const k = randomBytes(i % 24);
      const v = randomBytes(i % 31);
      try {
        decodeHeartbeat(k, v);
        decodeCheckpoint(k, v);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
      }
    }
  });

  it('names remote topics by replication policy', () => {
    const def = { source: 'primary', replicationPolicy: { type: 'default' as const, separator: '.' } };
    const custom = { source: 'primary', replicationPolicy: { type: 'default' as const, separator: '__' } };
    const identity = { source: 'primary', replicationPolicy: { type: 'identity' as const, separator: '.' } };
    expect(remoteTopic(def, 'orders')).toBe('primary.orders');
    expect(remoteTopic(custom, 'orders')).toBe('primary__orders');
    expect(remoteTopic(identity, 'orders')).toBe('orders');
    expect(replicatedHeartbeatsTopic(identity)).toBe('primary.heartbeats');
  });
});
