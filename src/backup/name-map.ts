import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { AclBinding } from '../kafka/metadata-types.js';
import { formatRemoteTopic, topicSource, upstreamTopic } from '../mm2/naming.js';

/** How names in a backup become names on the restore target. */
export interface NameMap {
  /** Names go through an MM2 flow: the target holds mirrors, whose offsets differ from the source's. */
  mirrored: boolean;
  describe: string;
  topic(name: string): string;
  /** The binding on the target, or null when it does not belong there (write access to a mirror). */
  acl(a: AclBinding): AclBinding | null;
}

export const IDENTITY: NameMap = {
  mirrored: false,
  describe: 'names kept as in the backup',
  topic: (n) => n,
  acl: (a) => a,
};

/**
 * A topic ACL as MM2's topic-ACL sync writes it on the target (MirrorSourceConnector): ALLOW WRITE is not copied
 * (only MM2 writes to a mirror), ALLOW ALL becomes READ, and the pattern becomes LITERAL on the remote name.
 */
export function mirrorAcl(a: AclBinding, remote: (name: string) => string): AclBinding | null {
  if (a.permission === 'allow' && a.operation === 'write') return null;
  return {
    ...a,
    resourceName: remote(a.resourceName),
    patternType: 'literal',
    operation: a.permission === 'allow' && a.operation === 'all' ? 'read' : a.operation,
  };
}

/**
 * Names through the MM2 flow between the backup's cluster and the target: forward (`orders` → `primary.orders`)
 * when the backup is of the flow's source, backward (`primary.orders` → `orders`, other names kept) when it is of
 * the flow's target.
 */
export function flowNameMap(config: Config, from: string, to: string): NameMap {
  const forward = config.flows.find((f) => f.source === from && f.target === to);
  const backward = config.flows.find((f) => f.source === to && f.target === from);
  const flow = forward ?? backward;
  if (!flow)
    throw new KdrError('KDR_USAGE', `--map needs a flow between ${from} and ${to}; none is configured`, {
      hint: `flows: ${config.flows.map((f) => `${f.name} (${f.source} → ${f.target})`).join(', ') || 'none'}`,
    });
  const p = flow.replicationPolicy;
  const topic = forward
    ? (n: string) => formatRemoteTopic(p, flow.source, n)
    : (n: string) => (topicSource(p, n) === flow.source ? (upstreamTopic(p, n) ?? n) : n);
  return {
    mirrored: true,
    describe: `${forward ? 'forward' : 'backward'} through flow ${flow.name} (${forward ? `orders → ${topic('orders')}` : `${formatRemoteTopic(p, flow.source, 'orders')} → orders`})`,
    topic,
    acl: (a) => {
      if (a.resourceType !== 'topic') return a;
      if (!forward) return { ...a, resourceName: topic(a.resourceName) };
      return mirrorAcl(a, topic);
    },
  };
}
