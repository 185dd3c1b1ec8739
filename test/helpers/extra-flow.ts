import { type Config, type FlowConfig, parseConfig } from '../../src/config/load.js';
import { ConnectRest } from '../../src/mm2/connect-rest.js';
import { SANDBOX_CONNECTORS, sandboxConnectorConfigs } from '../../src/sandbox/connectors.js';
import { sandboxLayout } from '../../src/sandbox/layout.js';
import { ROOT, sandboxConfig } from './sandbox.js';

export interface ExtraFlow {
  config: Config;
  /** The configuration as written (for a config file a kdr process reads). */
  raw: object;
  flow: FlowConfig;
  stop(): Promise<void>;
}

const IDENTITY = 'org.apache.kafka.connect.mirror.IdentityReplicationPolicy';

/**
 * A second MM2 flow on the sandbox's Connect worker: the primary cluster under another alias, with its own
 * replication policy, for the topics matching `topics`. kdr sees it as cluster `alias` and flow `<alias>-to-dr`.
 */
export async function startExtraFlow(
  alias: string,
  topics: string,
  policy: { type: 'default' | 'identity'; separator: string },
  /** Settings of the source connector that differ from the sandbox's (e.g. sync.topic.configs.enabled). */
  sourceOverrides: Record<string, string> = {},
  /** Another cluster than the sandbox's primary as the source (a test's own broker). */
  sourceBootstrap?: string,
): Promise<ExtraFlow> {
  const layout = sandboxLayout(ROOT);
  const base = sandboxConnectorConfigs(layout);
  const names = {
    source: `${alias}->dr.MirrorSourceConnector`,
    checkpoint: `${alias}->dr.MirrorCheckpointConnector`,
  };
  const policyCfg: Record<string, string> = {
    ...(sourceBootstrap ? { 'source.cluster.bootstrap.servers': sourceBootstrap } : {}),
    'source.cluster.alias': alias,
    'replication.policy.separator': policy.separator,
    ...(policy.type === 'identity' ? { 'replication.policy.class': IDENTITY } : {}),
  };
  const rest = new ConnectRest(sandboxConfig().clusters.dr!.connect!.url, 5000);
  await rest.putConnectorConfig(names.source, {
    ...base[SANDBOX_CONNECTORS.source]!,
    ...policyCfg,
    topics,
    ...sourceOverrides,
  });
  await rest.putConnectorConfig(names.checkpoint, {
    ...base[SANDBOX_CONNECTORS.checkpoint]!,
    ...policyCfg,
    topics,
  });
  const sandbox = sandboxConfig();
  const raw = {
    clusters: {
      primary: { bootstrap: sandbox.clusters.primary!.bootstrap },
      dr: { bootstrap: sandbox.clusters.dr!.bootstrap, connect: { url: sandbox.clusters.dr!.connect!.url } },
      [alias]: { bootstrap: sourceBootstrap ? [sourceBootstrap] : sandbox.clusters.primary!.bootstrap },
    },
    flows: [
      {
        name: `${alias}-to-dr`,
        source: alias,
        target: 'dr',
        replicationPolicy: policy,
        topics,
        groups: '.*',
        mm2: { mode: 'connect', connectors: names },
        rpo: '60s',
      },
    ],
    redis: { url: sandbox.redis.url! },
  };
  const config = parseConfig(JSON.stringify(raw), process.env, `${alias} test flow`);
  return {
    config,
    raw,
    flow: config.flows[0]!,
    stop: async () => {
      for (const n of Object.values(names))
        await rest.request('DELETE', `/connectors/${encodeURIComponent(n)}`);
    },
  };
}
