import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
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
import { answeredBefore, markAnswered, responseUrlOf } from './response-urls.js';

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
      // a job run again after its worker died (or stalled) finds the answer that worker recorded: asked before the
      // command runs and again before its answer is posted (a paused worker may wake after another answered)
      const answered = async () => {
        const before = await answeredBefore<CommandJobResult>(state, prefix, data.requestId);
        if (before)
          log.info(
            { postedTs: before.postedTs },
            'command already answered by another worker: not posted again',
          );
        return before;
      };
      const first = await answered();
      if (first) return first;
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
      // best effort: an answer posted but not remembered is at worst posted again if this worker dies now
      const remember = (result: CommandJobResult) =>
        markAnswered(state, prefix, data.requestId, result).catch((err: Error) =>
          log.warn({ err: err.message }, 'answer posted but not recorded'),
        );
      const line = parseCommandLine(opts.registry, data.text);
      const outcome =
        line.ok && !line.command.mutates ? await coalescer.run(data.text.trim(), run) : await run();
      const meanwhile = await answered();
      if (meanwhile) return meanwhile;
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
        const result = {
          kind: outcome.kind,
          summary: outcome.summary,
          channel: data.channelId,
          undelivered: why,
        };
        await remember(result);
        return result;
      }
      const result = {
        kind: outcome.kind,
        summary: outcome.summary,
        postedTs: posted.ts,
        channel: posted.channel,
      };
      const approval = outcome.kind === 'ok' ? approvalOf(outcome.data) : undefined;
      if (approval) await plans.setMessage(approval.id, posted.channel, posted.ts);
      await remember(result);
      if (outcome.kind === 'ok' && outcome.attachment) {
        await opts.poster.uploadFile(data.channelId, { ...outcome.attachment, threadTs: posted.ts });
      }
      return result;
    },
    {
      connection,
      prefix,
      concurrency: opts.config.worker.concurrency,
      // a worker killed while running a command: the command is seen stalled within ~10 s and run by another
      // worker (BullMQ's defaults, 30 s + 30 s, left the person waiting a minute)
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, err) => {
    opts.log.error({ job: job?.id, err: err.message }, 'command job failed');
    void tellFailed(state, prefix, job?.data, err).catch((e: Error) =>
      opts.log.warn({ job: job?.id, err: e.message }, 'could not tell the person their command failed'),
    );
  });
  // BullMQ's own trouble (a lock it could not renew, a connection lost in a master switch): logged, never unhandled
  worker.on('error', (err) => opts.log.warn({ err: err.message }, 'command worker'));
  worker.on('closed', () => state.disconnect());
  return worker;
}

/**
 * A command that failed without an answer (its post refused with no way back, or its workers died more often than
 * the stall limit) is told to the person who typed it, with the reason: a command is never silently dropped.
 */
async function tellFailed(state: Redis, prefix: string, data: unknown, err: Error): Promise<void> {
  const parsed = commandJobSchema.safeParse(data);
  if (!parsed.success) return;
  // a worker that lost the job to another (stalled while paused) fails it after the other answered: nothing to tell
  if (await answeredBefore(state, prefix, parsed.data.requestId)) return;
  const url = await responseUrlOf(state, prefix, parsed.data.requestId);
  if (!url) return;
  await postToResponseUrl(
    url,
    `:x: kdr could not finish \`/kdr ${parsed.data.text}\`: ${err.message}. Run it again.`,
  );
}

/** A command that asked for an approval returns `{ kind: 'approval', plan }`. */
function approvalOf(data: unknown): StoredPlan | undefined {
  const d = data as { kind?: string; plan?: StoredPlan } | undefined;
  return d?.kind === 'approval' ? d.plan : undefined;
}
