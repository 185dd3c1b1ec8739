import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { openAuditLog } from '../audit/open.js';
import { DriftMemory } from '../backup/drift-alerts.js';
import { gatherDrift } from '../backup/drift-gather.js';
import { runBackup } from '../backup/run-backup.js';
import type { Config } from '../config/load.js';
import type { Poster } from '../core/chat.js';
import type { Logger } from '../core/logger.js';
import { HealthStore } from '../health/health-store.js';
import { backupView } from '../render/backup-view.js';
import { drillReminder } from '../runbook/drill-cadence.js';
import { RunStore } from '../runbook/run-store.js';
import { proveAndKeep } from '../translate/keep-proofs.js';
import { ExactProofStore } from '../translate/proof-store.js';
import { redisForWorker } from './redis.js';

export const MAINTENANCE_QUEUE = 'kdr-maintenance';
const AUDIT_TRIM_EVERY = 10 * 60_000;

type Job =
  | { kind: 'drift'; flow: string }
  | { kind: 'exact'; flow: string }
  | { kind: 'audit-trim' }
  | { kind: 'drill'; flow: string }
  | { kind: 'backup'; cluster: string; topics?: string };

export interface MaintenanceWorker {
  worker: Worker;
  queue: Queue;
  close(): Promise<void>;
}

/**
 * Scheduled drift checks (`flows[].driftCheck.every`; new drift alerted once in the ops channel), drill reminders
 * (`flows[].drill`: the last successful drill older than `every`, checked every `remind`) and scheduled
 * backups (`backup.schedule`; summary and manifest posted to the ops channel) and exact proofs
 * (`flows[].exactProof.every`: every group's position proven and kept for an unplanned failover), as BullMQ job
 * schedulers.
 */
export async function startMaintenanceWorker(o: {
  config: Config;
  log: Logger;
  poster: Poster;
}): Promise<MaintenanceWorker> {
  const prefix = o.config.redis.prefix;
  const redis = redisForWorker(o.config.redis);
  const memory = new DriftMemory(redis, prefix);
  const health = new HealthStore(redis, prefix);
  const runs = new RunStore(redis, prefix, join(o.config.dataDir, 'runs'));
  const proofs = new ExactProofStore(redis, prefix);
  const ops = o.config.slack?.channels.ops;
  const log = o.log.child({ component: 'maintenance' });
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: redisForWorker(o.config.redis), prefix });
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      const data = job.data as Job;
      if (data.kind === 'drill') {
        const flow = o.config.flows.find((f) => f.name === data.flow);
        if (!flow) return { skipped: `flow ${data.flow} is no longer configured` };
        const text = drillReminder(flow, await runs.list(500), Date.now());
        if (text && ops)
          await o.poster.postMessage(ops, {
            text,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
          });
        return { reminded: Boolean(text) };
      }
      if (data.kind === 'audit-trim') {
        const r = await openAuditLog(redis, o.config).trim(
          o.config.audit.keep,
          join(o.config.dataDir, 'audit-archive'),
        );
        if (r.refused) log.error({ why: r.refused }, 'audit trail not trimmed');
        return r;
      }
      if (data.kind === 'exact') {
        const flow = o.config.flows.find((f) => f.name === data.flow);
        if (!flow) return { skipped: `flow ${data.flow} is no longer configured` };
        return await proveAndKeep(o.config, log, flow, proofs);
      }
      if (data.kind === 'drift') {
        const flow = o.config.flows.find((f) => f.name === data.flow);
        if (!flow) return { skipped: `flow ${data.flow} is no longer configured` };
        const mute = await health.muted(flow.name);
        if (mute) return { skipped: `alerts muted by run ${mute.run}` };
        const report = await gatherDrift(o.config, log, flow);
        const { fresh, cleared } = await memory.update(flow.name, report.items);
        if (ops && fresh.length) {
          const lines = fresh.slice(0, 20).map((i) => `• ${i.kind}: ${i.text}`);
          if (fresh.length > 20)
            lines.push(`… and ${fresh.length - 20} more: run \`/kdr drift ${flow.name}\``);
          const text = `:warning: new drift on ${flow.name} (${flow.source} → ${flow.target}): ${fresh.length} difference(s)`;
          await o.poster.postMessage(ops, {
            text,
            blocks: [
              {
                type: 'section',
                text: { type: 'mrkdwn', text: `${text}\n${lines.join('\n')}`.slice(0, 2900) },
              },
            ],
          });
        }
        if (ops && cleared) {
          const text = `:white_check_mark: no drift on ${flow.name} any more (${report.comparedTopics} mirrored topic(s) compared)`;
          await o.poster.postMessage(ops, {
            text,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
          });
        }
        return { drift: report.items.length, fresh: fresh.length };
      }
      const result = await runBackup(o.config, log, data.cluster, data.topics ? { topics: data.topics } : {});
      if (ops) {
        const posted = await o.poster.postMessage(ops, {
          text: backupView.summary(result),
          blocks: backupView.blocks(result),
        });
        const file = backupView.attachment?.(result);
        if (file) await o.poster.uploadFile(ops, { ...file, threadTs: posted.ts });
      }
      return { backup: result.manifest.id };
    },
    { connection: redisForWorker(o.config.redis), prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => log.error({ job: job?.id, err: err.message }, 'maintenance job failed'));
  const wanted = new Map<string, { every: number; data: Job }>();
  for (const f of o.config.flows)
    if (f.driftCheck.every !== 'off')
      wanted.set(`drift:${f.name}`, { every: f.driftCheck.every, data: { kind: 'drift', flow: f.name } });
  for (const f of o.config.flows)
    if (f.drill.every !== 'off')
      wanted.set(`drill:${f.name}`, { every: f.drill.remind, data: { kind: 'drill', flow: f.name } });
  for (const f of o.config.flows)
    if (f.exactProof.every !== 'off')
      wanted.set(`exact:${f.name}`, { every: f.exactProof.every, data: { kind: 'exact', flow: f.name } });
  // the audit stream kept to audit.keep entries, the older ones archived under the data dir
  wanted.set('audit-trim', { every: AUDIT_TRIM_EVERY, data: { kind: 'audit-trim' } });
  for (const [i, s] of o.config.backup.schedule.entries())
    wanted.set(`backup:${s.cluster}:${i}`, {
      every: s.every,
      data: { kind: 'backup', cluster: s.cluster, ...(s.topics ? { topics: s.topics } : {}) },
    });
  for (const s of await queue.getJobSchedulers())
    if (s.key && !wanted.has(s.key)) await queue.removeJobScheduler(s.key);
  for (const [key, w] of wanted)
    await queue.upsertJobScheduler(
      key,
      // first run one interval after start: a worker (re)start does not fire every check and backup at once
      { every: w.every, startDate: Date.now() + w.every },
      { name: w.data.kind, data: w.data, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  return {
    worker,
    queue,
    close: async () => {
      await worker.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
