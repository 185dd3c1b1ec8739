import type { Redis } from 'ioredis';
import { type AuditLog, auditLine } from '../audit/audit-log.js';
import { openAuditLog } from '../audit/open.js';
import type { Config } from '../config/load.js';
import type { Poster } from '../core/chat.js';
import type { Logger } from '../core/logger.js';
import type { PlanRequest } from '../pipeline/run-change.js';
import { updateMessage } from './decide.js';
import type { StoredPlan } from './plan-store.js';
import type { PlanStorePort } from './plan-store-port.js';

/** The audit trail of a process that talks to Slack: each entry about a message also goes into its thread. */
export function threadedAuditLog(redis: Redis, prefix: string, config: Config, poster: Poster): AuditLog {
  // each entry's hash goes into the thread too: an anchor of the chain outside Redis
  return openAuditLog(redis, { ...config, redis: { ...config.redis, prefix } }, async (e) => {
    if (e.where?.channel && e.where.ts)
      await poster.postMessage(e.where.channel, { text: auditLine(e), blocks: [], threadTs: e.where.ts });
  });
}

/** Stores a plan asked for in Slack, with the configured TTL and number of approvals, and audits it. */
export function planRequester(
  config: Config,
  plans: PlanStorePort,
  audit: AuditLog,
  poster: Poster,
  log: Logger,
  requester: string,
  channel: string,
) {
  return async (p: PlanRequest): Promise<StoredPlan> => {
    const now = Date.now();
    const plan: StoredPlan = {
      ...p,
      requester,
      channel,
      createdAt: now,
      expiresAt: now + (config.slack?.approvalTtl ?? 1_800_000),
      needed: config.slack?.approvalsRequired ?? 1,
      approvals: [],
      state: 'pending',
    };
    const replaced = await plans.create(plan);
    // the replaced plan's message loses its buttons and says by what it was replaced
    if (replaced) await updateMessage({ poster, log }, replaced);
    await audit.append({
      action: 'plan.create',
      actor: { transport: 'slack', user: requester },
      subject: p.subject,
      outcome: `pending: ${plan.needed} approval(s) needed by ${new Date(plan.expiresAt).toISOString()}`,
      planId: p.id,
      planHash: p.hash,
      where: { channel },
    });
    return plan;
  };
}
