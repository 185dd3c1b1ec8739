import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { PATTERN_MAX, patternProblem } from '../core/pattern.js';

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, {
    message: 'expected a duration such as "60s", "15m" or "2h"',
  })
  .transform((s) => parseDuration(s)!);

/** A topic or group pattern: RE2 syntax (linear time), whole names, at most PATTERN_MAX characters. */
export const regex = z.string().superRefine((s, ctx) => {
  const problem = patternProblem(s);
  if (problem)
    ctx.addIssue({
      code: 'custom',
      message: `expected a regular expression kdr runs in linear time (RE2 syntax: no backreferences or lookaround; at most ${PATTERN_MAX} characters): ${problem}`,
    });
});

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-"');
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected "host:port"');
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const saslSchema = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  password: z.string().min(1),
});

/** A Kafka principal as ACLs name it, e.g. `User:orders-app`. */
const principal = z.string().regex(/^[A-Za-z]+:.+$/, 'expected a principal such as "User:orders-app"');

export const clusterSchema = z.strictObject({
  bootstrap: z.array(hostPort).min(1, 'expected at least one "host:port"'),
  sasl: saslSchema.optional(),
  /**
   * The authorizer settings a broker does not reveal (DescribeConfigs hides `super.users` and
   * `allow.everyone.if.no.acl.found`), for the freeze's ACL fence check; unset, kdr assumes the risky case.
   */
  authorizer: z
    .strictObject({
      superUsers: z.array(principal).default([]),
      allowEveryoneIfNoAclFound: z.boolean().default(true),
    })
    .optional(),
  ssl: z
    .union([z.boolean(), z.strictObject({ rejectUnauthorized: z.boolean().default(true) })])
    .default(false),
  connect: z.strictObject({ url: httpUrl }).optional(),
  schemaRegistry: z
    .strictObject({ url: httpUrl, username: z.string().optional(), password: z.string().optional() })
    .optional(),
  /** Short by default: during a disaster an unreachable cluster is the normal case. */
  timeouts: z
    .strictObject({
      connectMs: z.number().int().positive().default(3000),
      requestMs: z.number().int().positive().default(5000),
      /** The whole health probe of this cluster (status): past it, the cluster is reported unreachable. */
      probeMs: z.number().int().positive().default(3000),
    })
    .default({ connectMs: 3000, requestMs: 5000, probeMs: 3000 }),
});

const connectors = z.strictObject({
  source: z.string().min(1),
  checkpoint: z.string().min(1).optional(),
  heartbeat: z.string().min(1).optional(),
});

const hookSchema = z
  .strictObject({ webhook: httpUrl.optional(), command: z.array(z.string()).min(1).optional() })
  .refine((h) => (h.webhook === undefined) !== (h.command === undefined), {
    message: 'expected exactly one of "webhook" or "command"',
  });

const mm2Schema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('connect'), url: httpUrl.optional(), connectors }),
  z.strictObject({ mode: z.literal('dedicated'), stop: hookSchema, start: hookSchema.optional() }),
]);

export const flowSchema = z.strictObject({
  name,
  source: name,
  target: name,
  replicationPolicy: z
    .strictObject({
      type: z.enum(['default', 'identity']).default('default'),
      separator: z.string().min(1).default('.'),
      /** MM2's replication.policy.internal.topic.separator.enabled */
      internalTopicSeparator: z.boolean().default(true),
    })
    .default({ type: 'default', separator: '.', internalTopicSeparator: true }),
  topics: regex.default('.*'),
  groups: regex.default('.*'),
  mm2: mm2Schema,
  rpo: duration.default(60_000),
  rto: duration.default(900_000),
  /**
   * The runbook's freeze: an ACL fence (DENY WRITE for these producer principals on the mirrored source topics)
   * and the principals that must keep reading those topics (MM2, consumers), checked before the fence goes up.
   */
  freeze: z
    .strictObject({
      denyWrite: z.array(principal).default([]),
      keepAccess: z.array(principal).default([]),
    })
    .default({ denyWrite: [], keepAccess: [] }),
  /**
   * Failback: the reverse MM2 connectors kdr creates on the flow's Connect cluster (default
   * `<target>-><source>.MirrorSourceConnector` and `...MirrorCheckpointConnector`), and the freeze on the target
   * (the producers writing there while failed over).
   */
  failback: z
    .strictObject({
      connectors: z.strictObject({ source: z.string().min(1), checkpoint: z.string().min(1) }).optional(),
      /** resync: how long the reverse flow must stay caught up before the freeze is asked for. */
      settle: duration.default(3000),
      freeze: z
        .strictObject({
          denyWrite: z.array(principal).default([]),
          keepAccess: z.array(principal).default([]),
        })
        .default({ denyWrite: [], keepAccess: [] }),
    })
    .default({ settle: 3000, freeze: { denyWrite: [], keepAccess: [] } }),
  /** Scheduled lag checks (worker): how often, when to warn, how far back to come before an alert clears. */
  lagCheck: z
    .strictObject({
      every: duration.default(30_000),
      warnRatio: z.number().gt(0).lt(1).default(0.5),
      hysteresis: z.number().min(0).lt(1).default(0.2),
      groupWindow: z.number().int().min(3).max(100).default(10),
      alertGroups: z.boolean().default(true),
    })
    .default({ every: 30_000, warnRatio: 0.5, hysteresis: 0.2, groupWindow: 10, alertGroups: true }),
  /**
   * Drill cadence: when the flow's last successful drill is older than `every`, the worker posts a reminder to the
   * ops channel (with that drill's figures), checked every `remind`. "off" (the default) posts nothing.
   */
  drill: z
    .strictObject({
      every: z.union([z.literal('off'), duration]).default('off'),
      remind: duration.default(86_400_000),
    })
    .default({ every: 'off', remind: 86_400_000 }),
  /** Scheduled drift check (worker): new drift is alerted once; "off" disables it. */
  driftCheck: z
    .strictObject({ every: z.union([z.literal('off'), duration]).default(300_000) })
    .default({ every: 300_000 }),
  /**
   * Scheduled exact proofs (worker): every group's position proven record by record while both clusters answer,
   * kept in Redis for an unplanned failover (runbook.exactOffsets); "off" disables it.
   */
  exactProof: z
    .strictObject({ every: z.union([z.literal('off'), duration]).default(60_000) })
    .default({ every: 60_000 }),
});

const backupSchema = z.strictObject({
  /** Where manifests are kept; default <dataDir>/backups. */
  dir: z.string().min(1).optional(),
  /** Manifests kept per cluster; older ones are deleted after each backup. */
  retain: z.number().int().min(1).max(10_000).default(30),
  /** The schema registry's storage topic, dumped raw (registry-agnostic). */
  schemasTopic: z.string().min(1).default('_schemas'),
  /** Scheduled backups taken by the worker. */
  schedule: z.array(z.strictObject({ cluster: name, every: duration, topics: regex.optional() })).default([]),
});

export const slackSchema = z.strictObject({
  channels: z.strictObject({
    ops: z.string().min(1),
    incidents: z.string().min(1).optional(),
    stakeholders: z.string().min(1).optional(),
  }),
  approvers: z
    .strictObject({ users: z.array(z.string()).default([]), usergroups: z.array(z.string()).default([]) })
    .default({ users: [], usergroups: [] }),
  twoPersonRule: z.boolean().default(true),
  approvalTtl: duration.default(1_800_000),
  /** Distinct approvers a plan needs (N of the M configured). */
  approvalsRequired: z.number().int().min(1).max(10).default(1),
  /**
   * Who may run what, where, per command name or `default`: channels (ids, `ops`, `incidents`, `stakeholders`, `dm`,
   * `*`), users, usergroups. Absent: status and help anywhere, everything else in ops, incidents and DMs.
   */
  access: z
    .record(
      z.string(),
      z.strictObject({
        channels: z.array(z.string().min(1)).min(1).optional(),
        users: z.array(z.string().min(1)).optional(),
        usergroups: z.array(z.string().min(1)).optional(),
      }),
    )
    .default({}),
});

const count = (min: number, max: number) =>
  z.coerce
    .number({ message: `expected a whole number from ${min} to ${max}` })
    .int(`expected a whole number from ${min} to ${max}`)
    .min(min, `expected a whole number from ${min} to ${max}`)
    .max(max, `expected a whole number from ${min} to ${max}`);

const WORKER_DEFAULTS = { concurrency: 4, coalesce: 2000, metrics: { host: '0.0.0.0', port: 9464 } };

/** The worker process's tunables (were KDR_* variables read deep in the code). */
const workerSchema = z.strictObject({
  /** Slack commands run at once. */
  concurrency: count(1, 64).default(4),
  /** Identical read-only commands within this window share one answer ("0ms" disables). */
  coalesce: duration.default(2000),
  metrics: z
    .strictObject({ host: z.string().min(1).default('0.0.0.0'), port: count(0, 65535).default(9464) })
    .default({ host: '0.0.0.0', port: 9464 }),
});

/** The checkpoint index the worker keeps for translation at failover time. */
const indexSchema = z.strictObject({
  /** How often the worker reads new checkpoints into it. */
  interval: duration.default(1000),
  /** Older than this, translation scans the checkpoints topic instead of trusting the index. */
  maxAge: duration.default(15_000),
});

/** How approved changes execute (src/pipeline). */
const changesSchema = z.strictObject({
  /** A change's lock expires this long after its holder stops renewing it (it renews at a third of it). */
  lockTtl: duration.default(30_000),
  /** Pause between the parts of a change (e.g. groups of one offsets plan), to spare a busy coordinator. */
  pace: duration.default(0),
  /** How often the worker looks for approved plans that have no job (queueing failed) and queues them. */
  sweep: duration.default(2000),
});

export const configSchema = z.strictObject({
  clusters: z
    .record(name, clusterSchema)
    .refine((c) => Object.keys(c).length > 0, 'expected at least one cluster'),
  flows: z.array(flowSchema).default([]),
  slack: slackSchema.optional(),
  redis: z
    .strictObject({
      /** One Redis (or a managed endpoint that fails over behind one address). Either this or `sentinel`. */
      url: z
        .string()
        .regex(/^rediss?:\/\//, 'expected a redis:// URL')
        .optional(),
      /** Redis as production runs it: a master and replicas watched by sentinels; kdr follows a master switch. */
      sentinel: z
        .strictObject({
          sentinels: z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')).min(1),
          /** The master's name in the sentinels' configuration (`sentinel monitor <name> …`). */
          name: z.string().min(1),
          /** ACL user and password of the master and replicas (secrets: use ${VAR}). */
          username: z.string().min(1).optional(),
          password: z.string().min(1).optional(),
          /** ACL user and password of the sentinels, when they require one. */
          sentinelUsername: z.string().min(1).optional(),
          sentinelPassword: z.string().min(1).optional(),
          tls: z.boolean().default(false),
        })
        .optional(),
      /** Key prefix of this installation: queues, plans, locks, runs, health state, index and audit trail. */
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, "_", "." or "-"')
        .default('kdr'),
      /**
       * How long the bot keeps a command it has already acknowledged while Redis is unreachable (a master switch:
       * Sentinel's down-after-milliseconds plus the election) before it tells the person the command was not run.
       */
      switchPatience: duration.default(30_000),
    })
    .refine((r) => Boolean(r.url) !== Boolean(r.sentinel), {
      message: 'expected either redis.url or redis.sentinel (one of them, not both)',
    })
    .default({ url: 'redis://127.0.0.1:6379', prefix: 'kdr', switchPatience: 30_000 }),
  worker: workerSchema.default(WORKER_DEFAULTS),
  checkpointIndex: indexSchema.default({ interval: 1000, maxAge: 15_000 }),
  changes: changesSchema.default({ lockTtl: 30_000, pace: 0, sweep: 2000 }),
  runbook: z
    .strictObject({
      /** How often the worker compares a fenced run's old primary with its frozen ends (split-brain watch). */
      watch: duration.default(3000),
      /**
       * The offsets step of a planned failover commits kdr's proven exact offsets where it can prove them (MM2's
       * checkpoint elsewhere); false: MM2's checkpoints only.
       */
      exactOffsets: z.boolean().default(true),
      /**
       * A Slack run whose next step has had no plan, or whose step's plan is gone, for this long is driven on by the
       * worker's run watchdog (a Redis master switch or a worker death between two of the engine's writes).
       */
      stuckAfter: duration.default(60_000),
    })
    .default({ watch: 3000, exactOffsets: true, stuckAfter: 60_000 }),
  hooks: z.record(z.string(), hookSchema).default({}),
  dataDir: z.string().default('.kdr'),
  audit: z
    .strictObject({
      /** The audit chain's HMAC key (a secret: `${KDR_AUDIT_KEY}`); empty or absent: `<dataDir>/audit.key`. */
      key: z.string().optional(),
      /**
       * Entries the Redis stream keeps; the worker moves older ones to `<dataDir>/audit-archive/` (still checked
       * from the genesis by `kdr audit`).
       */
      keep: count(100, 100_000_000).default(100_000),
    })
    .default({ keep: 100_000 }),
  backup: backupSchema.default({ retain: 30, schemasTopic: '_schemas', schedule: [] }),
});

/** Cross-field rules, checked on the raw tree so they are reported even when other fields are also wrong. */
export function crossCheck(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const cfg = (raw ?? {}) as { clusters?: Record<string, { connect?: unknown }>; flows?: unknown };
  const clusters = cfg.clusters && typeof cfg.clusters === 'object' ? Object.keys(cfg.clusters) : [];
  const flows = Array.isArray(cfg.flows) ? (cfg.flows as Array<Record<string, unknown>>) : [];
  const seen = new Set<string>();
  flows.forEach((flow, i) => {
    if (!flow || typeof flow !== 'object') return;
    for (const side of ['source', 'target'] as const) {
      if (typeof flow[side] === 'string' && !clusters.includes(flow[side])) {
        issues.push({
          path: ['flows', i, side],
          message: `expected one of the clusters (${clusters.join(', ') || 'none defined'}), got "${flow[side]}"`,
        });
      }
    }
    if (flow.source !== undefined && flow.source === flow.target)
      issues.push({ path: ['flows', i, 'target'], message: 'expected a cluster other than the source' });
    if (typeof flow.name === 'string') {
      if (seen.has(flow.name))
        issues.push({ path: ['flows', i, 'name'], message: `flow name "${flow.name}" is used twice` });
      seen.add(flow.name);
    }
    const mm2 = flow.mm2 as Record<string, unknown> | undefined;
    if (
      mm2?.mode === 'connect' &&
      !mm2.url &&
      typeof flow.target === 'string' &&
      clusters.includes(flow.target) &&
      !cfg.clusters?.[flow.target]?.connect
    ) {
      issues.push({
        path: ['flows', i, 'mm2', 'url'],
        message: `expected the Connect REST URL here or as clusters.${flow.target}.connect.url`,
      });
    }
  });
  const backup = (raw as { backup?: { schedule?: unknown } } | undefined)?.backup;
  if (backup && Array.isArray(backup.schedule))
    (backup.schedule as Array<{ cluster?: unknown }>).forEach((s, i) => {
      if (typeof s?.cluster === 'string' && !clusters.includes(s.cluster))
        issues.push({
          path: ['backup', 'schedule', i, 'cluster'],
          message: `expected one of the clusters (${clusters.join(', ') || 'none defined'}), got "${s.cluster}"`,
        });
    });
  return issues;
}

export type Config = z.output<typeof configSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type FlowConfig = z.output<typeof flowSchema>;
export type SlackConfig = z.output<typeof slackSchema>;
