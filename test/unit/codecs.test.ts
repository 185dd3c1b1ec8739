import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/mm2/checkpoint-codec.js';
import { decodeHeartbeat } from '../../src/mm2/heartbeat-codec.js';
import { remoteTopic, replicatedHeartbeatsTopic } from '../../src/mm2/naming.js';
import { decodeOffsetSync } from '../../src/mm2/offset-sync-codec.js';
import { decodeAll } from '../../src/mm2/scan.js';

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

describe('offset-sync codec', () => {
  it('decodes key topic/partition and value upstream/downstream (no version header)', () => {
    const key = hex('0006 6f7264657273 00000002');
    const value = hex('0000000000000064 0000000000000062');
    expect(decodeOffsetSync(key, value)).toEqual({
      topic: 'orders',
      partition: 2,
      upstreamOffset: 100n,
      downstreamOffset: 98n,
    });
    expect(decodeOffsetSync(key, null)).toBeNull();
    expect(() => decodeOffsetSync(key, hex('00'))).toThrow(/too short/);
  });
});

describe('scans never throw', () => {
  it('reports fuzzed records as malformed with their offsets and keeps the good ones', () => {
    const good = {
      topic: 't',
      partition: 0,
      offset: 0n,
      timestamp: 1,
      key: hex('0001 42 0001 41'),
      value: hex('0000 0000018bcfe56800'),
    };
    const fuzz = Array.from({ length: 3000 }, (_, i) => ({
      topic: 't',
      partition: 0,
      offset: BigInt(i + 1),
      timestamp: 1,
      key: randomBytes(i % 13),
      value: randomBytes(i % 17),
    }));
    const decoders: Array<(k: Buffer | null, v: Buffer | null) => object | null> = [
      decodeHeartbeat,
      decodeCheckpoint,
      decodeOffsetSync,
    ];
    for (const decoder of decoders) {
      const res = decodeAll([good, ...fuzz, { ...good, offset: 9999n, value: null }], decoder);
      expect(res.records.length + res.malformed.length + res.tombstones).toBe(3002);
      expect(res.tombstones).toBe(1);
      for (const m of res.malformed) expect(typeof m.error).toBe('string');
    }
    expect(decodeAll([good], decodeHeartbeat).records[0]).toMatchObject({
      sourceClusterAlias: 'B',
      offset: 0n,
    });
  });
});
