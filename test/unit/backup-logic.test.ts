import { describe, expect, it } from 'vitest';
import { compareFlow } from '../../src/backup/drift.js';
import { checksumOf, MANIFEST_FORMAT, type Manifest, parseManifest } from '../../src/backup/manifest.js';
import { flowNameMap, IDENTITY } from '../../src/backup/name-map.js';
import { describeAction } from '../../src/backup/restore-apply.js';
import { planRestore, RESTORE_PARTS, type TargetState } from '../../src/backup/restore-plan.js';
import { parseConfig } from '../../src/config/load.js';
import type { AclBinding, TopicDefinition } from '../../src/kafka/metadata-types.js';

const config = parseConfig(
  JSON.stringify({
    clusters: {
      primary: { bootstrap: ['p:9092'] },
      dr: { bootstrap: ['d:9092'], connect: { url: 'http://c:8083' } },
    },
    flows: [
      { name: 'p2d', source: 'primary', target: 'dr', mm2: { mode: 'connect', connectors: { source: 's' } } },
    ],
  }),
  {},
  'test',
);
const flow = config.flows[0]!;

const topic = (
  name: string,
  partitions: number,
  overrides: Record<string, string> = {},
): TopicDefinition => ({
  name,
  partitions,
  replicationFactor: 1,
  configs: Object.fromEntries(
    Object.entries(overrides).map(([k, v]) => [k, { value: v, source: 'topic', sensitive: false }]),
  ),
});
const acl = (
  resourceName: string,
  operation: AclBinding['operation'],
  extra: Partial<AclBinding> = {},
): AclBinding => ({
  resourceType: 'topic',
  resourceName,
  patternType: 'literal',
  principal: 'User:app',
  host: '*',
  operation,
  permission: 'allow',
  ...extra,
});

function manifest(content: Partial<Manifest['content']> = {}): Manifest {
  const body = {
    format: MANIFEST_FORMAT,
    version: 1,
    id: 'primary-20261121T100000000Z',
    cluster: { name: 'primary', clusterId: 'P-ID' },
    createdAt: '2026-11-21T10:00:00.000Z',
    kdrVersion: '0.1.0',
    scope: { topics: '.*', parts: ['topics', 'configs', 'acls', 'groups', 'brokers', 'schemas'] },
    content: { topics: [], acls: [], groups: [], brokers: [], skipped: [], ...content },
  } as const;
  return { ...body, checksum: checksumOf(body as unknown as Manifest) } as unknown as Manifest;
}

const target = (t: Partial<TargetState> = {}): TargetState => ({
  cluster: 'dr',
  clusterId: 'D-ID',
  brokers: 1,
  topics: new Map(),
  ends: new Map(),
  acls: [],
  groups: new Map(),
  ...t,
});
const options = {
  parts: new Set(RESTORE_PARTS),
  topics: /.*/,
  map: IDENTITY,
  addPartitions: false,
  schemasTopic: '_schemas',
};

describe('manifest', () => {
  it('verifies: a valid manifest parses; any edit, another version or format is refused with the reason', () => {
    const m = manifest({ topics: [topic('orders', 3, { 'retention.ms': '1000' })] });
    expect(parseManifest(JSON.stringify(m), 'x').id).toBe(m.id);
    const edited = { ...m, createdAt: '2026-11-21T11:00:00.000Z' };
    expect(() => parseManifest(JSON.stringify(edited), 'x')).toThrow(/checksum mismatch/);
    expect(() => parseManifest(JSON.stringify({ ...m, version: 7 }), 'x')).toThrow(
      /version 7; this kdr reads version 1/,
    );
    expect(() => parseManifest(JSON.stringify({ ...m, format: 'other' }), 'x')).toThrow(
      /is not a kdr backup/,
    );
    // key order does not matter: the checksum is over canonical JSON
    const reordered = JSON.parse(JSON.stringify(m), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(parseManifest(JSON.stringify(reordered), 'x').checksum).toBe(m.checksum);
  });
});

describe('planRestore', () => {
  it('group offsets: before → after per partition; a rewind is refused with the records it would re-read, unless allowed', () => {
    const m = manifest({
      topics: [topic('orders', 2, {})],
      groups: [
        {
          groupId: 'g',
          state: 'Empty',
          offsets: [
            { topic: 'orders', partition: 0, offset: '80' },
            { topic: 'orders', partition: 1, offset: '50' },
          ],
        },
      ],
    });
    const t = target({
      topics: new Map([['orders', { partitions: 2, replicationFactor: 1, overrides: {} }]]),
      ends: new Map([['orders', [200n, 200n]]]),
      groups: new Map([
        [
          'g',
          {
            state: 'Empty',
            members: 0,
            offsets: new Map([
              ['orders:0', 120n],
              ['orders:1', 10n],
            ]),
          },
        ],
      ]),
    });
    const p = planRestore(m, t, options);
    expect(p.actions).toEqual([
      {
        kind: 'set-offsets',
        group: 'g',
        offsets: [{ topic: 'orders', partition: 1, offset: '50', from: '10' }],
        beyondEnd: 0,
      },
    ]);
    expect(describeAction(p.actions[0]!)).toContain('orders-1: 10 → 50');
    expect(p.willNot).toContainEqual({
      what: 'offsets of group g on 1 partition(s) (orders-0: 120 → 80)',
      reason:
        'they are behind where the group is on dr: its consumers would read 40 record(s) again. Pass --allow-rewind to move it back',
    });
    const allowed = planRestore(m, t, { ...options, allowRewind: true });
    expect(describeAction(allowed.actions[0]!)).toContain('orders-0: 120 → 80');
    expect(describeAction(allowed.actions[0]!)).toContain('rewinds 1 partition(s)');
    expect(allowed.hash).not.toBe(p.hash);
  });

  it('creates what is missing with its topic-level configs only, and plans nothing once the target matches', () => {
    const m = manifest({
      topics: [
        {
          ...topic('orders', 3, { 'retention.ms': '1000' }),
          configs: {
            'retention.ms': { value: '1000', source: 'topic', sensitive: false },
            'min.insync.replicas': { value: '2', source: 'dynamic-default-broker', sensitive: false },
          },
        },
      ],
      acls: [acl('orders', 'read')],
      groups: [{ groupId: 'g', state: 'Empty', offsets: [{ topic: 'orders', partition: 1, offset: '42' }] }],
    });
    const p = planRestore(m, target(), options);
    expect(p.actions.map((a) => a.kind)).toEqual(['create-topic', 'create-acls', 'set-offsets']);
    expect(p.actions[0]).toMatchObject({ configs: { 'retention.ms': '1000' } });
    expect(p.actions[2]).toMatchObject({ beyondEnd: 1 });
    const after = target({
      topics: new Map([
        ['orders', { partitions: 3, replicationFactor: 1, overrides: { 'retention.ms': '1000' } }],
      ]),
      acls: [acl('orders', 'read')],
      groups: new Map([['g', { state: 'Empty', members: 0, offsets: new Map([['orders:1', 42n]]) }]]),
    });
    expect(planRestore(m, after, options).actions).toEqual([]);
  });

  it('keeps target-only overrides (restores never delete) and sends the merged set', () => {
    const m = manifest({ topics: [topic('orders', 1, { 'retention.ms': '1000' })] });
    const t = target({
      topics: new Map([
        [
          'orders',
          { partitions: 1, replicationFactor: 1, overrides: { 'retention.ms': '5', 'segment.ms': '9' } },
        ],
      ]),
    });
    const [a] = planRestore(m, t, options).actions;
    expect(a).toEqual({
      kind: 'set-configs',
      topic: 'orders',
      changes: { 'retention.ms': { from: '5', to: '1000' } },
      overrides: { 'retention.ms': '1000', 'segment.ms': '9' },
    });
  });

  it('says what it will not do: too few brokers, partition counts, an active group, a sensitive value', () => {
    const m = manifest({
      topics: [
        { ...topic('big', 1), replicationFactor: 3 },
        topic('grow', 6),
        topic('shrink', 1),
        { ...topic('s', 1), configs: { 'x.password': { value: null, source: 'topic', sensitive: true } } },
      ],
      groups: [{ groupId: 'busy', state: 'Stable', offsets: [{ topic: 'grow', partition: 0, offset: '1' }] }],
    });
    const t = target({
      topics: new Map([
        ['grow', { partitions: 3, replicationFactor: 1, overrides: {} }],
        ['shrink', { partitions: 2, replicationFactor: 1, overrides: {} }],
      ]),
      groups: new Map([['busy', { state: 'Stable', members: 2, offsets: new Map() }]]),
    });
    const p = planRestore(m, t, options);
    const why = p.willNot.map((w) => `${w.what}: ${w.reason}`);
    expect(why).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^topic big: replication factor 3 needs 3 brokers; dr has 1. Pass --replication-factor 1/,
        ),
        expect.stringMatching(/^partitions of grow: 3 on dr, 6 in the backup: .*--add-partitions/),
        expect.stringMatching(
          /^partitions of shrink: 2 on dr, 1 in the backup: Kafka cannot remove partitions/,
        ),
        expect.stringMatching(/^offsets of group busy: it has 2 active member\(s\) on dr/),
        expect.stringMatching(/^config x.password of s: its value is sensitive/),
      ]),
    );
    expect(p.actions.map((a) => a.kind)).toEqual(['create-topic']); // only "s", without its secret
    const grown = planRestore(m, t, { ...options, addPartitions: true, replicationFactor: 1 });
    expect(grown.actions.map((a) => a.kind)).toEqual(['create-topic', 'add-partitions', 'create-topic']);
  });

  it('maps names through the flow, and refuses raw offsets onto mirrors', () => {
    const m = manifest({
      topics: [topic('orders', 2)],
      acls: [
        acl('orders', 'all'),
        acl('orders-', 'read', { patternType: 'prefixed' }),
        acl('orders', 'write'),
      ],
      groups: [{ groupId: 'g', state: 'Empty', offsets: [{ topic: 'orders', partition: 0, offset: '5' }] }],
    });
    const map = flowNameMap(config, 'primary', 'dr');
    const p = planRestore(m, target(), { ...options, map });
    expect(p.actions[0]).toMatchObject({ kind: 'create-topic', topic: 'primary.orders' });
    expect(p.actions[1]).toMatchObject({
      kind: 'create-acls',
      bindings: [
        { resourceName: 'primary.orders', operation: 'read', patternType: 'literal' },
        { resourceName: 'primary.orders-', operation: 'read', patternType: 'literal' },
      ],
    });
    expect(p.willNot.map((w) => w.reason)).toEqual([
      expect.stringMatching(/only MirrorMaker 2 writes to mirrored topics/),
      expect.stringMatching(/offsets on a mirror differ .*`kdr translate g`/),
    ]);
    expect(flowNameMap(config, 'dr', 'primary').topic('primary.orders')).toBe('orders');
    expect(() => flowNameMap(config, 'primary', 'elsewhere')).toThrow(
      /--map needs a flow between primary and elsewhere/,
    );
  });

  it("refuses a target that is the backup's cluster under another name; the hash follows the actions", () => {
    const m = manifest({ topics: [topic('orders', 1)] });
    expect(() => planRestore(m, target({ clusterId: 'P-ID' }), options)).toThrow(
      /the config names one cluster twice/,
    );
    const a = planRestore(m, target(), options);
    const b = planRestore(
      m,
      target({ topics: new Map([['orders', { partitions: 1, replicationFactor: 1, overrides: {} }]]) }),
      options,
    );
    expect(a.hash).not.toBe(b.hash);
    expect(planRestore(m, target(), options).hash).toBe(a.hash);
  });

  it('writes registry records that are missing, and none when a key holds another value there', () => {
    const rec = (k: string, v: string) => ({
      partition: 0,
      offset: '0',
      key: Buffer.from(k).toString('base64'),
      value: Buffer.from(v).toString('base64'),
    });
    const m = manifest({
      schemas: { topic: '_schemas', partitions: 1, records: [rec('a', '1'), rec('b', '2')] },
    });
    const fresh = planRestore(m, target(), options);
    expect(fresh.actions[0]).toMatchObject({
      kind: 'write-schemas',
      createTopic: { partitions: 1, replicationFactor: 1 },
    });
    const partly = planRestore(
      m,
      target({ schemas: new Map([[rec('a', '1').key, rec('a', '1').value]]) }),
      options,
    );
    expect(partly.actions[0]).toMatchObject({
      kind: 'write-schemas',
      createTopic: null,
      records: [rec('b', '2')],
    });
    const conflict = planRestore(
      m,
      target({ schemas: new Map([[rec('a', '1').key, rec('a', 'X').value]]) }),
      options,
    );
    expect(conflict.actions).toEqual([]);
    expect(conflict.willNot[0]!.reason).toMatch(
      /1 key\(s\) hold different values on dr's _schemas \(e.g. a\)/,
    );
  });
});

describe('compareFlow (drift)', () => {
  const side = (topics: TopicDefinition[], acls: AclBinding[] = []) => ({ topics, acls });

  it('is quiet when the target is what MM2 would make of the source', () => {
    const r = compareFlow(
      flow,
      side(
        [topic('orders', 3, { 'retention.ms': '1' }), topic('__consumer_offsets', 50)],
        [acl('orders', 'all'), acl('orders', 'write')],
      ),
      side([topic('primary.orders', 3, { 'retention.ms': '1' })], [acl('primary.orders', 'read')]),
    );
    expect(r.items).toEqual([]);
    expect(r.ignored.map((i) => i.rule).sort()).toEqual(['acl-write-not-mirrored', 'mm2-topics-exclude']);
  });

  it('reports missing mirrors, partition counts, changed configs, orphans and missing ACLs; ignores MM2-excluded configs', () => {
    const r = compareFlow(
      flow,
      side([topic('orders', 3), topic('payments', 1), topic('dr.loop', 1)], [acl('orders', 'read')]),
      side([
        topic('primary.orders', 2, { 'max.message.bytes': '5', 'min.insync.replicas': '2' }),
        topic('primary.gone', 1),
      ]),
    );
    expect(r.items.map((i) => i.kind).sort()).toEqual([
      'acl-missing',
      'config',
      'missing-topic',
      'orphan-mirror',
      'partitions',
    ]);
    expect(r.ignored).toEqual([expect.objectContaining({ rule: 'mm2-config-exclude', count: 1 })]);
    // dr.loop came from the target: MM2 never mirrors it back (a cycle), so it is not "missing"
    expect(r.items.some((i) => i.text.includes('dr.loop'))).toBe(false);
  });

  it('says what it could not compare', () => {
    const r = compareFlow(flow, { topics: [], acls: { unavailable: 'no authorizer on primary' } }, side([]));
    expect(r.notCompared).toEqual(['ACLs: no authorizer on primary']);
  });
});
