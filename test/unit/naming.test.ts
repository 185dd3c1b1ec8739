import { describe, expect, it } from 'vitest';
import {
  checkpointsTopic,
  formatRemoteTopic,
  internalTopicCandidates,
  isInternalTopic,
  javaSplit,
  offsetSyncsTopic,
  originalTopic,
  topicSource,
  upstreamTopic,
} from '../../src/mm2/naming.js';

const dot = { type: 'default' as const, separator: '.' };
const under = { type: 'default' as const, separator: '__' };
const underDotted = { type: 'default' as const, separator: '__', internalTopicSeparator: false };
const identity = { type: 'identity' as const, separator: '.' };

describe('ReplicationPolicy rules, as MM2 applies them', () => {
  it('splits like Java: trailing empty strings dropped, leading kept', () => {
    expect(javaSplit('a.b.', '.')).toEqual(['a', 'b']);
    expect(javaSplit('.a', '.')).toEqual(['', 'a']);
    expect(javaSplit('a..b', '.')).toEqual(['a', '', 'b']);
    expect(javaSplit('orders.', '.')).toEqual(['orders']);
    expect(javaSplit('', '.')).toEqual(['']);
  });

  it('DefaultReplicationPolicy: remote names, source, upstream, original', () => {
    expect(formatRemoteTopic(dot, 'primary', 'orders')).toBe('primary.orders');
    expect(topicSource(dot, 'primary.orders')).toBe('primary');
    expect(topicSource(dot, 'orders')).toBeNull();
    expect(topicSource(dot, 'orders.')).toBeNull();
    expect(upstreamTopic(dot, 'B.A.orders')).toBe('A.orders');
    expect(originalTopic(dot, 'B.A.orders')).toBe('orders');
    expect(originalTopic(dot, 'orders')).toBe('orders');
  });

  it('custom separators rename remote and internal topics (unless disabled)', () => {
    expect(formatRemoteTopic(under, 'primary', 'orders.v1')).toBe('primary__orders.v1');
    expect(topicSource(under, 'primary__orders.v1')).toBe('primary');
    expect(originalTopic(under, 'dr__primary__orders')).toBe('orders');
    expect(checkpointsTopic(under, 'primary')).toBe('primary__checkpoints__internal');
    expect(checkpointsTopic(underDotted, 'primary')).toBe('primary.checkpoints.internal');
    expect(offsetSyncsTopic(under, 'dr')).toBe('mm2-offset-syncs__dr__internal');
    expect(offsetSyncsTopic(dot, 'primary')).toBe('mm2-offset-syncs.primary.internal');
    expect(internalTopicCandidates(under, (p) => checkpointsTopic(p, 'primary'))).toEqual([
      'primary__checkpoints__internal',
      'primary.checkpoints.internal',
    ]);
  });

  it('IdentityReplicationPolicy keeps names except heartbeats', () => {
    expect(formatRemoteTopic(identity, 'primary', 'orders')).toBe('orders');
    expect(formatRemoteTopic(identity, 'primary', 'heartbeats')).toBe('primary.heartbeats');
    expect(topicSource(identity, 'orders')).toBeNull();
    expect(topicSource(identity, 'orders', 'primary')).toBe('primary');
    expect(topicSource(identity, 'primary.heartbeats')).toBe('primary');
    expect(upstreamTopic(identity, 'primary.heartbeats')).toBe('heartbeats');
    expect(originalTopic(identity, 'a.b.orders')).toBe('a.b.orders');
  });

  it('detects internal topics', () => {
    for (const t of [
      '__consumer_offsets',
      '.hidden',
      'connect-offsets-internal',
      'primary.checkpoints.internal',
      'mm2-offset-syncs.dr.internal',
    ]) {
      expect(isInternalTopic(dot, t), t).toBe(true);
    }
    expect(isInternalTopic(under, 'primary__checkpoints__internal')).toBe(true);
    for (const t of ['orders', 'primary.orders', 'internal', 'heartbeats'])
      expect(isInternalTopic(dot, t), t).toBe(false);
  });
});
