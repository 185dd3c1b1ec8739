import { describe, expect, it } from 'vitest';
import type { FlowLag, LagReport } from '../../src/health/lag.js';
import type { StatusReport } from '../../src/health/status.js';
import { lagView } from '../../src/render/lag-view.js';
import { statusView } from '../../src/render/status-view.js';
import { guardMessage } from '../../src/slack/block-guard.js';
import { findViolations } from '../../src/slack/block-limits.js';

function bigFlow(partitions: number, groups: number): FlowLag {
  return {
    name: 'primary-to-dr',
    source: 'primary',
    target: 'dr',
    replicationSource: 'connect-offsets',
    checkpointsTopic: 'primary.checkpoints.internal',
    offsetSyncsTopic: 'mm2-offset-syncs.primary.internal',
    totals: { partitions, lagRecords: partitions, maxLagMs: 1234, groups },
    partitions: Array.from({ length: partitions }, (_, i) => ({
      topic: `topic-with-a-rather-long-name-${Math.floor(i / 100)}`,
      partition: i % 100,
      targetTopic: `primary.t-${i}`,
      sourceEnd: 1000 + i,
      replicatedUpTo: 999 + i,
      lagRecords: i % 7,
      lagMs: i % 7 ? 50 : 0,
    })),
    groups: Array.from({ length: groups }, (_, g) => ({
      group: `consumer-group-number-${g}`,
      status: 'OK',
      state: 'Stable',
      members: 3,
      sourceLag: g,
      checkpointAgeMs: 1000,
      checkpointLag: 0,
      partitions: Array.from({ length: 100 }, (_, p) => ({
        topic: `t-${g % 20}`,
        targetTopic: `primary.t-${g % 20}`,
        partition: p,
        sourceCommitted: 10,
        sourceEnd: 12,
        translated: 9,
        checkpointUpstream: 10,
        targetEnd: 12,
        slack: 3,
        expectedRereads: 1,
      })),
    })),
    unmirroredTopics: Array.from({ length: 40 }, (_, i) => `unmirrored-${i}`),
    problems: ['40 source topic(s) in the flow are not mirrored'],
  };
}

describe('views on a large cluster stay within Slack limits and attach the rest', () => {
  it('lag: 2,000 partitions and 200 groups', () => {
    const report: LagReport = { generatedAt: 'now', flows: [bigFlow(2000, 200)] };
    const blocks = lagView.blocks(report);
    expect(findViolations(blocks)).toEqual([]);
    expect(findViolations(guardMessage({ text: lagView.summary(report), blocks }).blocks)).toEqual([]);
    const file = lagView.attachment!(report)!;
    expect(file.filename).toBe('kdr-lag.txt');
    expect(
      file.content.split('\n').filter((l) => l.startsWith('topic-with-a-rather-long-name-')).length,
    ).toBe(2000);
    expect(file.content.split('\n').filter((l) => l.startsWith('consumer-group-number-')).length).toBe(200);
  });

  it('lag: a small flow needs no file', () => {
    expect(lagView.attachment!({ generatedAt: 'now', flows: [bigFlow(5, 2)] })).toBeUndefined();
  });

  it('status: many problems are cut in the message and complete in the file', () => {
    const report: StatusReport = {
      generatedAt: 'now',
      clusters: [
        {
          name: 'primary',
          reachable: true,
          brokers: 3,
          controller: 1,
          topics: 900,
          partitions: 2000,
          underReplicated: 0,
          offline: 0,
          elapsedMs: 5,
        },
      ],
      flows: [
        {
          name: 'primary-to-dr',
          source: 'primary',
          target: 'dr',
          mode: 'connect',
          heartbeatTopic: 'primary.heartbeats',
          heartbeatAgeMs: 500,
          heartbeatAt: null,
          replicationLatencyMs: 500,
          checkpointAgeMs: 100,
          rpoMs: 60_000,
          verdict: 'ok',
          reason: 'heartbeats 500 ms old, RPO 1 min 00 s',
          lagRecords: 0,
          groups: Array.from({ length: 300 }, (_, i) => ({
            group: `g-${i}`,
            checkpointAgeMs: 100,
            checkpointLag: 5,
          })),
          connectors: [],
          problems: Array.from({ length: 50 }, (_, i) => `problem number ${i} ${'x'.repeat(100)}`),
        },
      ],
    };
    const blocks = statusView.blocks(report);
    expect(findViolations(blocks)).toEqual([]);
    expect(JSON.stringify(blocks)).toContain('more in the attached file');
    expect(statusView.attachment!(report)!.content).toContain('problem number 49');
  });
});
