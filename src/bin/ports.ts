import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { PlanStore } from '../approval/plan-store.js';
import { openAuditLog } from '../audit/open.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { HealthStore } from '../health/health-store.js';
import { KafkaGroupOffsets } from '../kafka/group-offsets.js';
import { ResourceLocks } from '../locks/resource-lock.js';
import type { AuditPort, Ports } from '../pipeline/ports.js';
import { ProgressStore } from '../pipeline/progress-store.js';
import { connectRedis } from '../queue/redis-ready.js';
import type { RunbookDeps } from '../runbook/engine.js';
import { FAILBACK_STEPS } from '../runbook/failback/index.js';
import { RunStore } from '../runbook/run-store.js';
import { FAILOVER_STEPS } from '../runbook/steps/index.js';
import { CheckpointIndex } from '../translate/checkpoint-index.js';
import { ExactProofStore } from '../translate/proof-store.js';

/** The real ports on one Redis connection: plan store, locks, audit trail, progress, group offsets, index. */
export function realPorts(config: Config, log: Logger, redis: Redis, audit?: AuditPort): Ports {
  const prefix = config.redis.prefix;
  return {
    plans: new PlanStore(redis, prefix),
    locks: new ResourceLocks(redis, prefix),
    audit: audit ?? openAuditLog(redis, config),
    progress: new ProgressStore(redis, prefix),
    offsets: new KafkaGroupOffsets(config, log),
    checkpointIndex: new CheckpointIndex(redis, prefix),
    proofs: new ExactProofStore(redis, prefix),
    runs: runStore(config, redis),
  };
}

export const runStore = (config: Config, redis: Redis) =>
  new RunStore(redis, config.redis.prefix, join(config.dataDir, 'runs'));

/** What every runbook needs on one Redis connection: the run store, the steps, the health checks' last sight. */
export function runbookBase(config: Config, log: Logger, redis: Redis, ports: Ports): RunbookDeps {
  const health = new HealthStore(redis, config.redis.prefix);
  return {
    config,
    log,
    ports,
    runs: runStore(config, redis),
    steps: FAILOVER_STEPS,
    failbackSteps: FAILBACK_STEPS,
    seenEnds: (flow) => health.seenEnds(flow),
    alerts: { mute: (flow, m) => health.mute(flow, m), unmute: (flow, run) => health.unmute(flow, run) },
  };
}

/** For a one-shot process (the CLI): ports opened on first use, closed with `close()`. */
export function lazyPorts(config: Config, log: Logger) {
  let opened: Promise<{ redis: Redis; ports: Ports }> | undefined;
  return {
    get: async (): Promise<Ports> => {
      opened ??= connectRedis(config.redis).then((redis) => ({
        redis,
        ports: realPorts(config, log, redis),
      }));
      return (await opened).ports;
    },
    /** The runbook's dependencies in a terminal: no Slack, no queue (steps run in this process). */
    runbook: async (): Promise<RunbookDeps> => {
      opened ??= connectRedis(config.redis).then((redis) => ({
        redis,
        ports: realPorts(config, log, redis),
      }));
      const { redis, ports } = await opened;
      return runbookBase(config, log, redis, ports);
    },
    close: async () => {
      if (!opened) return;
      const o = await opened.catch(() => undefined);
      await o?.ports.offsets.close();
      o?.redis.disconnect();
    },
  };
}
