import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { wholeName } from '../core/pattern.js';
import { ClusterAdmin } from '../kafka/cluster-admin.js';
import { GroupOffsetWriter } from '../kafka/group-offset-writer.js';
import type { Manifest } from './manifest.js';
import { flowNameMap, IDENTITY } from './name-map.js';
import {
  planRestore,
  RESTORE_PARTS,
  type RestoreAction,
  type RestorePart,
  type RestorePlan,
} from './restore-plan.js';
import { BackupStore } from './store.js';
import { readTargetState } from './target-state.js';

/** The restore's inputs as given on the command line (also what an approved plan stores to re-plan from). */
export interface RestoreRequest {
  backupId: string;
  to: string;
  only?: RestorePart[];
  topics?: string;
  map?: boolean;
  addPartitions?: boolean;
  /** Group offsets may move back (consumers read records again); refused without it. */
  allowRewind?: boolean;
  replicationFactor?: number;
}

export interface StepResult {
  action: string;
  ok: boolean;
  detail?: string;
}

export function describeAction(a: RestoreAction): string {
  switch (a.kind) {
    case 'create-topic':
      return `create topic ${a.topic} (${a.partitions} partition(s), RF ${a.replicationFactor}${
        Object.keys(a.configs).length
          ? `, ${Object.entries(a.configs)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`
          : ''
      })`;
    case 'add-partitions':
      return `grow ${a.topic} from ${a.from} to ${a.to} partitions`;
    case 'set-configs':
      return `set ${Object.entries(a.changes)
        .map(([k, c]) => `${k}=${c.to}${c.from === null ? '' : ` (was ${c.from})`}`)
        .join(', ')} on ${a.topic}`;
    case 'create-acls':
      return `add ${a.bindings.length} ACL(s): ${a.bindings
        .slice(0, 3)
        .map(
          (b) =>
            `${b.permission} ${b.principal} ${b.operation} ${b.resourceType}:${b.patternType === 'prefixed' ? `${b.resourceName}*` : b.resourceName}`,
        )
        .join('; ')}${a.bindings.length > 3 ? ` and ${a.bindings.length - 3} more` : ''}`;
    case 'set-offsets': {
      const moves = a.offsets.map((o) => `${o.topic}-${o.partition}: ${o.from ?? 'none'} → ${o.offset}`);
      const back = a.offsets.filter((o) => o.from !== null && BigInt(o.offset) < BigInt(o.from)).length;
      return `set offsets of group ${a.group} on ${a.offsets.length} partition(s) (${moves.slice(0, 8).join(', ')}${moves.length > 8 ? `, and ${moves.length - 8} more` : ''})${back ? ` — rewinds ${back} partition(s) (--allow-rewind)` : ''}${a.beyondEnd ? ` (${a.beyondEnd} beyond the end of the log there: its consumers will reset per auto.offset.reset)` : ''}`;
    }
    case 'write-schemas':
      return `${a.createTopic ? `create ${a.topic} (compacted) and ` : ''}write ${a.records.length} schema registry record(s) to ${a.topic} (original ids)`;
  }
}

/** Loads the backup and plans against the target's live state now. */
export async function planFromRequest(
  config: Config,
  log: Logger,
  r: RestoreRequest,
): Promise<{ manifest: Manifest; plan: RestorePlan }> {
  const cfg = config.clusters[r.to];
  if (!cfg)
    throw new KdrError('KDR_UNKNOWN_CLUSTER', `no cluster named "${r.to}"`, {
      hint: `configured clusters: ${Object.keys(config.clusters).join(', ')}`,
    });
  const manifest = await new BackupStore(config).load(r.backupId);
  const map = r.map ? flowNameMap(config, manifest.cluster.name, r.to) : IDENTITY;
  const admin = new ClusterAdmin(r.to, cfg, log);
  try {
    const state = await readTargetState(admin, cfg, log, manifest, map, config.backup.schemasTopic);
    const plan = planRestore(manifest, state, {
      parts: new Set(r.only ?? RESTORE_PARTS),
      topics: wholeName(r.topics ?? '.*'),
      map,
      addPartitions: Boolean(r.addPartitions),
      allowRewind: Boolean(r.allowRewind),
      replicationFactor: r.replicationFactor,
      schemasTopic: config.backup.schemasTopic,
    });
    return { manifest, plan };
  } finally {
    await admin.close();
  }
}

async function applyAction(admin: ClusterAdmin, writer: GroupOffsetWriter, a: RestoreAction): Promise<void> {
  switch (a.kind) {
    case 'create-topic':
      await admin.createTopics([
        {
          name: a.topic,
          partitions: a.partitions,
          replicationFactor: a.replicationFactor,
          configs: a.configs,
        },
      ]);
      return;
    case 'add-partitions':
      await admin.addPartitions(a.topic, a.to);
      return;
    case 'set-configs':
      // only the configs the plan changes, one by one: the topic's other overrides stay as they are now
      await admin.setTopicConfigs(
        a.topic,
        Object.fromEntries(Object.entries(a.changes).map(([k, c]) => [k, c.to])),
      );
      return;
    case 'create-acls':
      await admin.createAcls(a.bindings);
      return;
    case 'set-offsets':
      await writer.commit(
        a.group,
        a.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset) })),
      );
      return;
    case 'write-schemas':
      if (a.createTopic)
        await admin.createTopics([
          {
            name: a.topic,
            partitions: a.createTopic.partitions,
            replicationFactor: a.createTopic.replicationFactor,
            configs: { 'cleanup.policy': 'compact' },
          },
        ]);
      await admin.produceRaw(a.topic, a.records);
      return;
  }
}

export interface RestoreOutcome {
  plan: RestorePlan;
  steps: StepResult[];
  /** Actions a new plan still lists after applying (empty when the target now matches). */
  remaining: string[];
}

/**
 * Applies a plan's actions in order (topic creations in one request, then configs, ACLs, offsets, schemas),
 * stopping at the first failure; `beforeEach` runs before every write (the pipeline's lock check). Then plans
 * again to verify. The caller made `plan` from the live state under the lock.
 */
export async function applyRestorePlan(
  config: Config,
  log: Logger,
  r: RestoreRequest,
  plan: RestorePlan,
  beforeEach: () => Promise<void>,
): Promise<RestoreOutcome> {
  const cfg = config.clusters[r.to]!;
  const admin = new ClusterAdmin(r.to, cfg, log);
  const writer = new GroupOffsetWriter(r.to, cfg, log);
  const steps: StepResult[] = [];
  try {
    const creates = plan.actions.filter((a) => a.kind === 'create-topic');
    let failed = false;
    if (creates.length) {
      try {
        await beforeEach();
        await admin.createTopics(
          creates.map((a) => ({
            name: a.topic,
            partitions: a.partitions,
            replicationFactor: a.replicationFactor,
            configs: a.configs,
          })),
        );
        for (const a of creates) steps.push({ action: describeAction(a), ok: true });
      } catch (err) {
        steps.push({
          action: `${creates.length} topic creation(s)`,
          ok: false,
          detail: (err as Error).message,
        });
        failed = true;
      }
    }
    for (const a of plan.actions) {
      if (failed) break;
      if (a.kind === 'create-topic') continue;
      const action = describeAction(a);
      try {
        await beforeEach();
        await applyAction(admin, writer, a);
        steps.push({ action, ok: true });
      } catch (err) {
        steps.push({ action, ok: false, detail: (err as Error).message });
        failed = true;
      }
    }
  } finally {
    await Promise.allSettled([admin.close(), writer.close()]);
  }
  const after = await planFromRequest(config, log, r);
  return { plan, steps, remaining: after.plan.actions.map(describeAction) };
}
