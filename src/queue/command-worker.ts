import { UnrecoverableError, Worker } from 'bullmq';
import type { StoredPlan } from '../approval/plan-store.js';
import { planRequester } from '../approval/wiring.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/load.js';
import type { Poster } from '../core/chat.js';
import type { Outcome } from '../core/command.js';
import { dispatch, parseCommandLine } from '../core/dispatch.js';
import type { Logger } from '../core/logger.js';
import type { CommandRegistry } from '../core/registry.js';
import type { Ports } from '../pipeline/ports.js';
import type { RunbookDeps } from '../runbook/engine.js';
import { postToResponseUrl, slackErrorOf, undeliveredReason } from '../slack/undelivered.js';
import { Coalescer } from './coalesce.js';
import { COMMAND_QUEUE, type CommandJobResult, commandJobSchema } from './jobs.js';
import { redisForWorker } from './redis.js';
import { responseUrlOf } from './response-urls.js';

export interface CommandWorkerOptions {
  config: Config;
  log: Logger;
  poster: Poster;
  /** The worker's ports (plan store, locks, audit trail with Slack threads, progress, group offsets). */
  ports: Ports;
  registry: CommandRegistry;
  runbook?: () => Promise<RunbookDeps>;
  audit: AuditLog;
  groupStatus?: (flow: string, group: string) => Promise<string | undefined>;
}

/** Runs queued Slack commands through the same dispatcher as the CLI and posts the answer to the channel. */
export function startCommandWorker(opts: CommandWorkerOptions): Worker {
  const connection = redisForWorker(opts.config.redis);
  const prefix = opts.config.redis.prefix;
  const { plans } = opts.ports;
  // identical read-only commands within this window share one answer (worker.coalesce, 0 disables)
  const coalescer = new Coalescer<Outcome>(opts.config.worker.coalesce);
  // non-blocking reads beside BullMQ's blocking connection (the response_urls)
  const state = redisForWorker(opts.config.redis);
  const worker = new Worker(
    COMMAND_QUEUE,
    async (job): Promise<CommandJobResult> => {
      const parsed = commandJobSchema.safeParse(job.data);
      if (!parsed.success)
        throw new UnrecoverableError(`malformed job data: ${parsed.error.issues[0]?.message}`);
      const data = parsed.data;
      const log = opts.log.child({ job: job.id });
      const run = () =>
        dispatch(opts.registry, data.text, {
          config: opts.config,
          log,
          caller: { transport: 'worker', userId: data.userId, channelId: data.channelId },
          requestId: data.requestId,
          ports: async () => opts.ports,
          ...(opts.runbook ? { runbook: opts.runbook } : {}),
          requestApproval: planRequester(
            opts.config,
            plans,
            opts.audit,
            opts.poster,
            log,
            data.userId,
            data.channelId,
          ),
          ...(opts.groupStatus ? { groupStatus: opts.groupStatus } : {}),
        });
      const line = parseCommandLine(opts.registry, data.text);
      const outcome =
        line.ok && !line.command.mutates ? await coalescer.run(data.text.trim(), run) : await run();
      let posted: { channel: string; ts: string };
      try {
        posted = await opts.poster.postMessage(data.channelId, {
          text: `<@${data.userId}> /kdr ${data.text}\n${outcome.summary}`,
          blocks: [
            {
              type: 'context',
              elements: [{ type: 'mrkdwn', text: `<@${data.userId}> ran \`/kdr ${data.text}\`` }],
            },
            ...outcome.blocks,
          ],
        });
      } catch (err) {
        // the answer must not vanish: it goes to the person through the command's response_url, with the reason
        const why = slackErrorOf(err);
        const url = await responseUrlOf(state, prefix, data.requestId);
        log.warn(
          { err: (err as Error).message, slackError: why, fallback: Boolean(url) },
          'answer not posted',
        );
        if (!url) throw err;
        await postToResponseUrl(
          url,
          `:warning: kdr could not post the answer to \`/kdr ${data.text}\` here: ${undeliveredReason(why)}.\n${outcome.summary}`,
        );
        return { kind: outcome.kind, summary: outcome.summary, channel: data.channelId, undelivered: why };
      }
      const approval = outcome.kind === 'ok' ? approvalOf(outcome.data) : undefined;
      if (approval) await plans.setMessage(approval.id, posted.channel, posted.ts);
      if (outcome.kind === 'ok' && outcome.attachment) {
        await opts.poster.uploadFile(data.channelId, { ...outcome.attachment, threadTs: posted.ts });
      }
      return { kind: outcome.kind, summary: outcome.summary, postedTs: posted.ts, channel: posted.channel };
    },
    { connection, prefix, concurrency: opts.config.worker.concurrency },
  );
  worker.on('failed', (job, err) => opts.log.error({ job: job?.id, err: err.message }, 'command job failed'));
  worker.on('closed', () => state.disconnect());
  return worker;
}

/** A command that asked for an approval returns `{ kind: 'approval', plan }`. */
function approvalOf(data: unknown): StoredPlan | undefined {
  const d = data as { kind?: string; plan?: StoredPlan } | undefined;
  return d?.kind === 'approval' ? d.plan : undefined;
}
