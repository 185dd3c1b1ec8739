/** Domain views of a cluster's declarative state (what a backup holds). No kafkajs type crosses out of src/kafka/. */

export const CONFIG_SOURCES = [
  'unknown',
  'topic',
  'dynamic-broker',
  'dynamic-default-broker',
  'static-broker',
  'default',
  'dynamic-broker-logger',
] as const;
export type ConfigSourceName = (typeof CONFIG_SOURCES)[number];

export interface ConfigValue {
  /** null when the broker withholds it (sensitive). */
  value: string | null;
  source: ConfigSourceName;
  sensitive: boolean;
}

export interface TopicDefinition {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Every config that differs from Kafka's default, with where its value comes from. */
  configs: Record<string, ConfigValue>;
}

export const ACL_RESOURCE_TYPES = [
  'unknown',
  'any',
  'topic',
  'group',
  'cluster',
  'transactional-id',
  'delegation-token',
] as const;
export const ACL_OPERATIONS = [
  'unknown',
  'any',
  'all',
  'read',
  'write',
  'create',
  'delete',
  'alter',
  'describe',
  'cluster-action',
  'describe-configs',
  'alter-configs',
  'idempotent-write',
] as const;
export const ACL_PATTERN_TYPES = ['unknown', 'any', 'match', 'literal', 'prefixed'] as const;
export const ACL_PERMISSIONS = ['unknown', 'any', 'deny', 'allow'] as const;

export interface AclBinding {
  resourceType: (typeof ACL_RESOURCE_TYPES)[number];
  resourceName: string;
  patternType: (typeof ACL_PATTERN_TYPES)[number];
  principal: string;
  host: string;
  operation: (typeof ACL_OPERATIONS)[number];
  permission: (typeof ACL_PERMISSIONS)[number];
}

export interface BrokerConfigs {
  /** A broker id, or "" for the cluster-wide dynamic default. */
  broker: string;
  configs: Record<string, ConfigValue>;
}

export interface RawRecord {
  partition: number;
  offset: string;
  /** base64 */
  key: string | null;
  /** base64; null is a tombstone */
  value: string | null;
}

export const aclKey = (a: AclBinding): string =>
  [a.resourceType, a.patternType, a.resourceName, a.principal, a.host, a.operation, a.permission].join('|');
