import type { Config, FlowConfig } from '../../config/load.js';
import { KdrError } from '../../core/errors.js';

/** The reverse MM2 connectors of a flow: configured, or `<target>-><source>.Mirror…Connector`. */
export function reverseConnectorNames(flow: FlowConfig): { source: string; checkpoint: string } {
  return (
    flow.failback.connectors ?? {
      source: `${flow.target}->${flow.source}.MirrorSourceConnector`,
      checkpoint: `${flow.target}->${flow.source}.MirrorCheckpointConnector`,
    }
  );
}

/** The Connect cluster that runs the flow's connectors (and the reverse ones). */
export function connectUrlOf(config: Config, flow: FlowConfig): string {
  if (flow.mm2.mode !== 'connect')
    throw new KdrError(
      'KDR_FAILBACK_UNSUPPORTED',
      `${flow.name} runs dedicated MirrorMaker 2: kdr has no Connect cluster to create the reverse flow on`,
      {
        hint: 'run the reverse flow with your MM2 deployment, wait until it is caught up, then `kdr failover` it',
      },
    );
  const url = flow.mm2.url ?? config.clusters[flow.target]?.connect?.url;
  if (!url)
    throw new KdrError('KDR_CONFIG', `flow ${flow.name} names no Connect URL`, {
      hint: `set clusters.${flow.target}.connect.url or flows[].mm2.url`,
    });
  return url;
}

/**
 * The flow the other way round, as the runbook's steps see it during a failback: the old target is the source,
 * the reverse connectors replicate, the freeze fences the producers on the old target. Same name and groups; its
 * topics are `topics` when given (what failback's assess found written there), else the forward pattern.
 */
/** A Java/JS regex matching exactly these topic names (topic names hold only [a-zA-Z0-9._-]). */
export const exactTopics = (topics: string[]) =>
  topics.length ? topics.map((t) => t.replace(/\./g, '\\.')).join('|') : '[^\\s\\S]';

export function reversedFlow(config: Config, flow: FlowConfig, topics?: string[]): FlowConfig {
  if (flow.replicationPolicy.type === 'identity')
    throw new KdrError(
      'KDR_FAILBACK_UNSUPPORTED',
      `${flow.name} uses IdentityReplicationPolicy: MM2 cannot tell replicated topics from local ones, so a reverse flow would copy them back in a loop`,
      {
        hint: 'fail back by hand with a topic list that excludes what was replicated, or use the default policy',
      },
    );
  const names = reverseConnectorNames(flow);
  return {
    ...flow,
    source: flow.target,
    target: flow.source,
    mm2: { mode: 'connect', url: connectUrlOf(config, flow), connectors: names },
    freeze: flow.failback.freeze,
    // once assess chose them: exactly the target's own topics that go back (not Connect's or other apps' topics)
    ...(topics ? { topics: exactTopics(topics) } : {}),
  };
}

const swapPrefix = (key: string) =>
  key.startsWith('source.')
    ? `target.${key.slice(7)}`
    : key.startsWith('target.')
      ? `source.${key.slice(7)}`
      : key;

/** Per-cluster worker overrides that would point the reverse connector at the wrong cluster. */
const DROPPED = /^(producer|consumer|admin)\.override\.(bootstrap\.servers|security\.|sasl\.|ssl\.)/;

/**
 * A reverse connector's config from the forward one: every `source.*` setting becomes `target.*` and back (aliases,
 * bootstrap servers, security), the topic and group patterns stay (the same names are written on the target),
 * per-connector client overrides that name a cluster are dropped. On Connect, a source connector's records go out
 * through the worker's producer, i.e. to the worker's own cluster (the forward target): the reverse connector's
 * producer is pointed at its target (the old primary) with `producer.override.*` from its `target.cluster.*`.
 */
export function reverseConnectorConfig(forward: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(forward)) {
    if (k === 'name' || DROPPED.test(k)) continue;
    out[swapPrefix(k)] = v;
  }
  for (const [k, v] of Object.entries(out))
    if (k.startsWith('target.cluster.') && k !== 'target.cluster.alias')
      out[`producer.override.${k.slice('target.cluster.'.length)}`] = v;
  return out;
}
