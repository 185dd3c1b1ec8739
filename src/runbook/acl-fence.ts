import type { ClusterConfig, FlowConfig } from '../config/load.js';
import { type AclBinding, aclKey } from '../kafka/metadata-types.js';
import type { Refusal } from '../pipeline/change.js';

/** What the ACL fence is planned from: the flow's settings, the cluster's authorizer and ACLs, the topics. */
export interface FenceFacts {
  flow: Pick<FlowConfig, 'source' | 'freeze'>;
  cluster: Pick<ClusterConfig, 'authorizer' | 'sasl'>;
  /** `authorizer.class.name` as the broker reports it (null or empty: no authorizer). */
  authorizerClass: string | null;
  acls: AclBinding[];
  topics: string[];
}

export interface FencePlan {
  /** The DENY WRITE bindings the fence needs (those already present are created again as a no-op). */
  bindings: AclBinding[];
  refusals: Refusal[];
  /** Lines for the plan: what is assumed, who keeps access and why. */
  notes: string[];
}

export const denyWrite = (principal: string, topic: string): AclBinding => ({
  resourceType: 'topic',
  resourceName: topic,
  patternType: 'literal',
  principal,
  host: '*',
  operation: 'write',
  permission: 'deny',
});

/** ACLs that apply to `topic` (literal, wildcard or prefix match), of any principal. */
const onTopic = (acls: AclBinding[], topic: string) =>
  acls.filter(
    (a) =>
      a.resourceType === 'topic' &&
      ((a.patternType === 'literal' && (a.resourceName === topic || a.resourceName === '*')) ||
        (a.patternType === 'prefixed' && topic.startsWith(a.resourceName))),
  );

const READS = new Set(['read', 'all']);

const sample = (xs: string[]) =>
  `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? ` and ${xs.length - 3} more` : ''}`;

/**
 * Plans the freeze's ACL fence and checks that it stops only the writers it names. Kafka's authorizer ignores ACLs
 * for super users (a DENY cannot stop one), and with `allow.everyone.if.no.acl.found` a topic that has no ACL is
 * open to all: the first ACL on it, our DENY, makes it closed to every principal without an ALLOW. So on such a
 * topic each principal that must keep reading (`freeze.keepAccess`, and kdr's own SASL user) must be a super user
 * or hold an ALLOW READ already, or the fence is refused. A broker hides both settings from DescribeConfigs: they
 * come from `clusters.<source>.authorizer`, and unset, kdr assumes no super users and allow-everyone on.
 */
export function planAclFence(f: FenceFacts): FencePlan {
  const deny = f.flow.freeze.denyWrite;
  if (deny.length === 0) return { bindings: [], refusals: [], notes: [] };
  const declared = f.cluster.authorizer;
  const superUsers = new Set(declared?.superUsers ?? []);
  const allowEveryone = declared?.allowEveryoneIfNoAclFound ?? true;
  const own = f.cluster.sasl ? [`User:${f.cluster.sasl.username}`] : [];
  const keep = [...new Set([...f.flow.freeze.keepAccess, ...own])];
  const refusals: Refusal[] = [];
  const notes: string[] = [
    declared
      ? `authorizer settings of ${f.flow.source} from the config: super users ${[...superUsers].join(', ') || 'none'}; allow.everyone.if.no.acl.found ${allowEveryone}`
      : `clusters.${f.flow.source}.authorizer is not set: assuming no super users and allow.everyone.if.no.acl.found=true (the broker does not reveal them)`,
  ];
  if (!f.authorizerClass)
    refusals.push({
      code: 'KDR_REFUSED',
      message: `${f.flow.source} has no authorizer (authorizer.class.name is empty): an ACL fence would stop nobody`,
      hint: `stop the producers with the stopProducers hook instead, or remove flows[].freeze.denyWrite`,
    });
  const superDenied = deny.filter((p) => superUsers.has(p));
  if (superDenied.length)
    refusals.push({
      code: 'KDR_REFUSED',
      message: `${superDenied.join(', ')} ${superDenied.length > 1 ? 'are super users' : 'is a super user'} on ${f.flow.source}: a DENY does not apply to ${superDenied.length > 1 ? 'them' : 'it'}`,
      hint: 'stop those producers with the stopProducers hook, or give them non-super principals',
    });
  const open = allowEveryone ? f.topics.filter((t) => onTopic(f.acls, t).length === 0) : [];
  if (open.length > 0) {
    const atRisk = keep.filter((p) => !superUsers.has(p));
    if (keep.length === 0)
      refusals.push({
        code: 'KDR_REFUSED',
        message: `${open.length} mirrored topic(s) on ${f.flow.source} have no ACL and everyone may use them (${sample(open)}): the DENY would close them to every principal without an ALLOW, readers and MM2 included`,
        hint: 'list the principals that must keep reading them (MM2, consumers) in flows[].freeze.keepAccess, and grant them READ first or make them super users',
      });
    for (const p of atRisk) {
      const cut = open.filter(
        (t) =>
          !onTopic(f.acls, t).some(
            (a) => a.principal === p && a.permission === 'allow' && READS.has(a.operation),
          ),
      );
      if (cut.length)
        refusals.push({
          code: 'KDR_REFUSED',
          message: `the fence would cut ${p} off ${cut.length} topic(s) on ${f.flow.source} (${sample(cut)}): they have no ACL today, and ${p} is no super user`,
          hint: `grant ${p} READ and DESCRIBE on them first (or declare it in clusters.${f.flow.source}.authorizer.superUsers if it is one)`,
        });
    }
  }
  if (keep.length) notes.push(`keep reading: ${keep.join(', ')}`);
  const bindings = deny.flatMap((p) => f.topics.map((t) => denyWrite(p, t)));
  return { bindings, refusals, notes };
}

/** The bindings of `want` that `existing` does not hold: the ones a fence creates, and so the ones it removes. */
export function missingBindings(want: AclBinding[], existing: AclBinding[]): AclBinding[] {
  const have = new Set(existing.map(aclKey));
  return want.filter((b) => !have.has(aclKey(b)));
}
