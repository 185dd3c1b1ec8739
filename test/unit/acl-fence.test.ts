import { describe, expect, it } from 'vitest';
import type { AclBinding } from '../../src/kafka/metadata-types.js';
import { denyWrite, type FenceFacts, missingBindings, planAclFence } from '../../src/runbook/acl-fence.js';

const allow = (
  principal: string,
  topic: string,
  operation: AclBinding['operation'] = 'read',
): AclBinding => ({
  resourceType: 'topic',
  resourceName: topic,
  patternType: 'literal',
  principal,
  host: '*',
  operation,
  permission: 'allow',
});

const facts = (over: Partial<FenceFacts> & { deny?: string[]; keep?: string[] } = {}): FenceFacts => ({
  flow: { source: 'primary', freeze: { denyWrite: over.deny ?? ['User:app'], keepAccess: over.keep ?? [] } },
  cluster: over.cluster ?? {
    authorizer: { superUsers: ['User:ANONYMOUS'], allowEveryoneIfNoAclFound: true },
  },
  authorizerClass: over.authorizerClass === undefined ? 'StandardAuthorizer' : over.authorizerClass,
  acls: over.acls ?? [],
  topics: over.topics ?? ['orders', 'payments'],
});

describe('the ACL fence plan', () => {
  it('no producer principal: nothing to plan, nothing read', () => {
    expect(planAclFence(facts({ deny: [] }))).toEqual({ bindings: [], refusals: [], notes: [] });
  });

  it('one DENY WRITE per principal and topic; a super-user reader keeps access', () => {
    const p = planAclFence(facts({ keep: ['User:ANONYMOUS'] }));
    expect(p.refusals).toEqual([]);
    expect(p.bindings).toEqual([denyWrite('User:app', 'orders'), denyWrite('User:app', 'payments')]);
    expect(p.notes.join('\n')).toContain('keep reading: User:ANONYMOUS');
  });

  it('refused on a cluster without an authorizer', () => {
    const p = planAclFence(facts({ keep: ['User:ANONYMOUS'], authorizerClass: null }));
    expect(p.refusals.map((r) => r.message).join()).toContain('has no authorizer');
  });

  it('refused when a denied principal is a super user (a DENY does not apply to it)', () => {
    const p = planAclFence(facts({ deny: ['User:ANONYMOUS'], keep: ['User:mm2'] }));
    expect(p.refusals.map((r) => r.message).join()).toContain('User:ANONYMOUS is a super user');
  });

  it('allow-everyone and topics without ACLs: refused when nobody says who must keep reading', () => {
    const p = planAclFence(facts());
    expect(p.refusals).toHaveLength(1);
    expect(p.refusals[0]!.message).toContain('2 mirrored topic(s) on primary have no ACL');
    expect(p.refusals[0]!.hint).toContain('flows[].freeze.keepAccess');
  });

  it('a non-super reader without an ALLOW on an open topic would be cut off: refused, naming topic and principal', () => {
    const p = planAclFence(facts({ keep: ['User:mm2'], acls: [allow('User:mm2', 'orders')] }));
    expect(p.refusals).toHaveLength(1);
    expect(p.refusals[0]!.message).toContain('cut User:mm2 off 1 topic(s) on primary (payments)');
  });

  it('a reader with ALLOW READ (literal, prefixed or ALL) on every topic passes', () => {
    const prefixed: AclBinding = { ...allow('User:mm2', 'pay'), patternType: 'prefixed' };
    const p = planAclFence(
      facts({ keep: ['User:mm2'], acls: [allow('User:mm2', 'orders', 'all'), prefixed] }),
    );
    expect(p.refusals).toEqual([]);
  });

  it("kdr's own SASL user must keep reading too", () => {
    const p = planAclFence(
      facts({
        keep: ['User:ANONYMOUS'],
        cluster: {
          authorizer: { superUsers: ['User:ANONYMOUS'], allowEveryoneIfNoAclFound: true },
          sasl: { mechanism: 'plain', username: 'kdr', password: 'x' },
        },
      }),
    );
    expect(p.refusals.map((r) => r.message).join()).toContain('cut User:kdr off 2 topic(s)');
  });

  it('with allow-everyone off, topics are already governed: no reader is at risk', () => {
    const p = planAclFence(
      facts({ cluster: { authorizer: { superUsers: [], allowEveryoneIfNoAclFound: false } } }),
    );
    expect(p.refusals).toEqual([]);
  });

  it('settings not declared: assumes the risky case and says so', () => {
    const p = planAclFence(facts({ cluster: {} }));
    expect(p.notes[0]).toContain('assuming no super users and allow.everyone.if.no.acl.found=true');
    expect(p.refusals).toHaveLength(1);
  });

  it('the bindings a fence creates are those not there before', () => {
    const want = [denyWrite('User:app', 'orders'), denyWrite('User:app', 'payments')];
    expect(missingBindings(want, [want[0]!])).toEqual([want[1]]);
  });
});
