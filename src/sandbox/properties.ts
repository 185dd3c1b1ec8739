import type { SandboxLayout } from './layout.js';

/**
 * The SASL/PLAIN users of the sandbox's brokers: `admin` is a super user, `producer` is not (an application's
 * principal, which ACLs govern), nor is `legacy`. Sandbox-only credentials, known to the tests.
 */
export const SANDBOX_SASL_USERS = {
  admin: 'admin-secret',
  producer: 'producer-secret',
  legacy: 'legacy-secret',
} as const;

const plainJaas = () =>
  `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${SANDBOX_SASL_USERS.admin}" ${Object.entries(
    SANDBOX_SASL_USERS,
  )
    .map(([u, p]) => `user_${u}="${p}"`)
    .join(' ')};`;

export function toProperties(entries: Record<string, string | number | boolean>): string {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

export const sandboxBrokerPorts = (layout: SandboxLayout, cluster: 'primary' | 'dr') => ({
  port: layout.ports[cluster],
  ctrl: cluster === 'primary' ? layout.ports.primaryController : layout.ports.drController,
  sasl: cluster === 'primary' ? layout.ports.primarySasl : layout.ports.drSasl,
});

/** Single-node KRaft (combined broker+controller) with RF 1 everywhere and the StandardAuthorizer. */
export function brokerProperties(
  layout: SandboxLayout,
  cluster: 'primary' | 'dr',
  logDir: string,
  /** Other ports than the sandbox's (a broker of a test's own). */
  ports = sandboxBrokerPorts(layout, cluster),
): string {
  const { port, ctrl, sasl } = ports;
  const listeners = `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${ctrl},SASL_PLAINTEXT://127.0.0.1:${sasl}`;
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${ctrl}`,
    'controller.listener.names': 'CONTROLLER',
    listeners,
    'advertised.listeners': listeners,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map':
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': plainJaas(),
    'log.dirs': logDir,
    'num.partitions': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 5,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 5,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'background.threads': 2,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 8388608,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:ANONYMOUS;User:admin',
    'allow.everyone.if.no.acl.found': true,
    // off, as on most production clusters: otherwise MM2's consumer re-creates a source topic deleted under it
    'auto.create.topics.enable': false,
  };
  if (layout.lane === 'kafka4') {
    props['share.coordinator.state.topic.replication.factor'] = 1;
    props['share.coordinator.state.topic.min.isr'] = 1;
  }
  return toProperties(props);
}

/** A distributed Connect worker attached to dr; MM2's connectors are on the classpath. */
export function connectWorkerProperties(layout: SandboxLayout): string {
  return toProperties({
    'bootstrap.servers': `127.0.0.1:${layout.ports.dr}`,
    'group.id': 'kdr-sandbox-connect',
    listeners: `http://127.0.0.1:${layout.ports.connect}`,
    'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'header.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'config.storage.topic': 'kdr-sandbox-connect-configs',
    'offset.storage.topic': 'kdr-sandbox-connect-offsets',
    'status.storage.topic': 'kdr-sandbox-connect-status',
    'config.storage.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'offset.storage.partitions': 1,
    'status.storage.replication.factor': 1,
    'status.storage.partitions': 1,
    'offset.flush.interval.ms': 1000,
    'plugin.discovery': 'service_load',
    'scheduled.rebalance.max.delay.ms': 0,
    'connector.client.config.override.policy': 'All',
  });
}

export function log4j2Properties(logFile: string): string {
  return toProperties({
    status: 'error',
    'appender.file.type': 'File',
    'appender.file.name': 'file',
    'appender.file.fileName': logFile,
    'appender.file.layout.type': 'PatternLayout',
    'appender.file.layout.pattern': '[%d] %p %m (%c)%n',
    'rootLogger.level': 'WARN',
    'rootLogger.appenderRef.file.ref': 'file',
    'logger.kafka.name': 'kafka.server.KafkaRaftServer',
    'logger.kafka.level': 'INFO',
    'logger.mirror.name': 'org.apache.kafka.connect.mirror',
    'logger.mirror.level': 'INFO',
  });
}

export function log4jProperties(logFile: string): string {
  return toProperties({
    'log4j.rootLogger': 'WARN, file',
    'log4j.appender.file': 'org.apache.log4j.FileAppender',
    'log4j.appender.file.File': logFile,
    'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
    'log4j.logger.kafka.server.KafkaRaftServer': 'INFO',
    'log4j.logger.org.apache.kafka.connect.mirror': 'INFO',
  });
}
