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
  acl(a: AclBinding): AclBinding;
}

export const IDENTITY: NameMap = {
  mirrored: false,
  describe: 'names kept as in the backup',
  topic: (n) => n,
  acl: (a) => a,
};

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
    acl: (a) => (a.resourceType === 'topic' ? { ...a, resourceName: topic(a.resourceName) } : a),
  };
}
