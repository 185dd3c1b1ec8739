import { randomUUID } from 'node:crypto';
import { App, type CustomRoute, SocketModeReceiver } from '@slack/bolt';
import { APPROVE_ACTION, REJECT_ACTION } from '../approval/approval-view.js';
import type { Click } from '../approval/decide.js';
import type { Config } from '../config/load.js';
import { dispatch, parseCommandLine } from '../core/dispatch.js';
import { asKdrError, KdrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { CommandRegistry } from '../core/registry.js';
import { withTimeout } from '../core/timeout.js';
import type { CommandJob } from '../queue/jobs.js';
import { RUN_ACTIONS } from '../runbook/run-actions.js';
import { checkAccess } from './access.js';
import { guardMessage } from './block-guard.js';
import { boltLogger } from './bolt-logger.js';

export interface SlackAppOptions {
  config: Config;
  log: Logger;
  botToken: string;
  /** HTTP mode (default). */
  signingSecret?: string;
  port?: number;
  /** Socket Mode when set (xapp- token): no public URL needed. */
  appToken?: string;
  /** Local Slack Web API emulator, for tests and the demo. */
  slackApiUrl?: string;
  /** The sub-commands (built by the entry point). */
  registry: CommandRegistry;
  /** Queues a command; its response_url (kept apart from the job) lets the worker answer when it cannot post. */
  enqueue(job: CommandJob, responseUrl?: string): Promise<void>;
  /** Approve/Reject clicks, after the request was verified and acknowledged. */
  onClick?(click: Click): Promise<string>;
}

/**
 * Parsing is pure: in an incident many people send the same few commands, so the bot remembers the last few
 * hundred parses (the worker parses again when it runs the job).
 */
const parses = new Map<string, ReturnType<typeof parseCommandLine>>();
function parseOnce(registry: CommandRegistry, text: string): ReturnType<typeof parseCommandLine> {
  let p = parses.get(text);
  if (!p) {
    if (parses.size >= 256) parses.clear();
    p = parseCommandLine(registry, text);
    parses.set(text, p);
  }
  return p;
}

/** Payload types that Slack expects acknowledged within 3 s. */
const INTERACTIVE = new Set([
  'block_actions',
  'interactive_message',
  'shortcut',
  'message_action',
  'view_submission',
  'view_closed',
  'block_suggestion',
]);

/** How long a slash command waits for its job to be queued before it is acknowledged anyway (Slack allows 3 s). */
const QUEUE_BEFORE_ACK_MS = 1500;

/**
 * The Slack transport: thin by design. It parses (no I/O), answers bad input and `help` at once, and hands
 * everything else to the job queue, acknowledging well within Slack's 3-second rule.
 */
export function createSlackApp(opts: SlackAppOptions): App {
  const logger = boltLogger(opts.log);
  const clientOptions = {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 3000 },
  };
  const healthz: CustomRoute = {
    path: '/healthz',
    method: ['GET'],
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    },
  };
  // Socket Mode's own client (apps.connections.open) takes its options from installerOptions.clientOptions.
  const transport = opts.appToken
    ? {
        receiver: new SocketModeReceiver({
          appToken: opts.appToken,
          logger,
          installerOptions: { clientOptions },
        }),
      }
    : { signingSecret: opts.signingSecret, port: opts.port ?? 3000, customRoutes: [healthz] };
  const app = new App({ token: opts.botToken, logger, clientOptions, ...transport });
  for (const key of Object.keys(opts.config.slack?.access ?? {}))
    if (key !== 'default' && !opts.registry.find(key))
      throw new KdrError('KDR_CONFIG', `slack.access.${key}: there is no command "${key}"`, {
        hint: `name a command (${opts.registry.commands.map((c) => c.name).join(', ')}) or "default"`,
      });
  // user group members, for access rules that name groups: cached 5 minutes, asked within 1.5 s
  const groups = new Map<string, { at: number; members: Promise<string[]> }>();
  const membersOf = (g: string): Promise<string[]> => {
    const hit = groups.get(g);
    if (hit && Date.now() - hit.at < 300_000) return hit.members;
    const members = withTimeout(
      'usergroups.users.list',
      1500,
      app.client.usergroups.users.list({ usergroup: g }).then((r) => (r.users ?? []) as string[]),
    );
    groups.set(g, { at: Date.now(), members });
    members.catch(() => groups.delete(g));
    return members;
  };
  const access = (command: string, user: string, channel: string) =>
    checkAccess(opts.config.slack, command, user, channel, membersOf);

  // Anything interactive that is not one of kdr's buttons (a button of an older kdr, a shortcut, a modal) is
  // acknowledged at once and answered, instead of Slack showing the person an error after 3 s.
  const known = new Set<string>([APPROVE_ACTION, REJECT_ACTION, ...Object.keys(RUN_ACTIONS)]);
  app.use(async (args) => {
    const body = args.body as {
      type?: string;
      actions?: Array<{ action_id?: string }>;
      user?: { id?: string };
    };
    const interactive = body.type !== undefined && INTERACTIVE.has(body.type);
    const ours =
      body.type === 'block_actions' && (body.actions ?? []).every((a) => known.has(a.action_id ?? ''));
    if (!interactive || ours) return args.next();
    const { ack, respond } = args as unknown as {
      ack?: () => Promise<void>;
      respond?: (m: Record<string, unknown>) => Promise<unknown>;
    };
    await ack?.();
    const what = (body.actions ?? []).map((a) => a.action_id).join(', ') || body.type;
    opts.log.warn({ type: body.type, what, user: body.user?.id }, 'unknown interactive action acknowledged');
    await respond?.({
      response_type: 'ephemeral',
      replace_original: false,
      text: `kdr does not know this action (${what}): the message may come from an older kdr. Nothing was done; \`/kdr help\` lists what kdr does, \`/kdr runbook\` shows the runs.`,
    }).catch(() => undefined);
  });

  app.command('/kdr', async ({ command, ack, respond }) => {
    const text = command.text.trim();
    // a child logger only when something is logged: this handler is the hot path under a burst of commands
    let child: Logger | undefined;
    const log = () => (child ??= opts.log.child({ user: command.user_id, channel: command.channel_id }));
    const parsed = parseOnce(opts.registry, text);
    if (!parsed.ok) {
      log().info({ text }, 'usage answered');
      await ack({
        response_type: 'ephemeral',
        ...guardMessage({ text: parsed.outcome.text, blocks: parsed.outcome.blocks }),
      });
      return;
    }
    // who may run what, where (slack.access): refused in the acknowledgement, nothing queued
    const verdict = await access(parsed.command.name, command.user_id, command.channel_id);
    if (!verdict.ok) {
      log().info({ text }, 'refused by slack.access');
      await ack({ response_type: 'ephemeral', text: `:no_entry: ${verdict.reason}` });
      return;
    }
    if (parsed.command.immediate) {
      const outcome = await dispatch(opts.registry, text, {
        config: opts.config,
        log: log(),
        caller: { transport: 'slack', userId: command.user_id, channelId: command.channel_id },
      });
      await ack({
        response_type: 'ephemeral',
        ...guardMessage({ text: outcome.text, blocks: outcome.blocks }),
      });
      return;
    }
    // Queue, then acknowledge: the acknowledgement says the command is in the queue, so a bot that dies right after
    // it loses nothing. Slack's 3-second budget must not depend on Redis, though: when Redis does not take the job
    // within QUEUE_BEFORE_ACK_MS (a master switch), the command is acknowledged anyway and kept trying
    // (redis.switchPatience); one that cannot be queued is answered through response_url.
    const requestId = randomUUID();
    const queued = opts
      .enqueue(
        {
          requestId,
          text,
          userId: command.user_id,
          channelId: command.channel_id,
          teamId: command.team_id,
          requestedAt: new Date().toISOString(),
        },
        command.response_url,
      )
      .then(
        () => undefined,
        (err: unknown) => asKdrError(err),
      );
    let timer: NodeJS.Timeout | undefined;
    const early = await Promise.race([
      queued.then((e) => e ?? ('queued' as const)),
      new Promise<'slow'>((r) => {
        timer = setTimeout(() => r('slow'), QUEUE_BEFORE_ACK_MS);
      }),
    ]);
    clearTimeout(timer);
    await ack({
      response_type: 'ephemeral',
      text: `Running \`/kdr ${text}\`; the answer will be posted here. (request ${requestId.slice(0, 8)})`,
    });
    const e = early === 'queued' ? undefined : early === 'slow' ? await queued : early;
    if (!e) {
      if (opts.log.isLevelEnabled('debug')) log().debug({ requestId, text }, 'command queued');
      return;
    }
    log().error({ code: e.code, err: e.message }, 'enqueue failed');
    await respond({
      response_type: 'ephemeral',
      text: `:warning: \`/kdr ${text}\` was not run: ${e.message}\n${e.hint}`,
    }).catch((err2: Error) => log().error({ err: err2.message }, 'could not report the enqueue failure'));
  });

  // Approve / Reject: acknowledged at once; the decision (Redis, Web API) follows within the same request's budget.
  for (const [actionId, action] of [
    [APPROVE_ACTION, 'approve'],
    [REJECT_ACTION, 'reject'],
  ] as const) {
    app.action(actionId, async ({ ack, body, action: clicked, respond }) => {
      await ack();
      const b = body as {
        user: { id: string };
        channel?: { id: string };
        container?: { message_ts?: string; channel_id?: string };
      };
      const value = (clicked as { value?: string }).value ?? '';
      const click: Click = {
        action,
        planId: value,
        userId: b.user.id,
        channel: b.channel?.id ?? b.container?.channel_id ?? '',
        messageTs: b.container?.message_ts ?? '',
        transport: opts.appToken ? 'socket' : 'http',
      };
      const log = opts.log.child({ user: click.userId, plan: click.planId, action });
      try {
        const result = (await opts.onClick?.(click)) ?? 'no approval handler';
        log.info({ result }, 'approval click');
      } catch (err) {
        // never a silent click: the person hears that kdr could not finish, and what to do
        const e = asKdrError(err);
        log.error({ code: e.code, err: e.message }, 'approval click failed');
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: `:warning: kdr could not finish handling your ${action} click: ${e.message}\nThe plan's message shows whether it was recorded; if its buttons are still there, click again. ${e.hint}`,
        }).catch(() => undefined);
      }
    });
  }

  // Run buttons (Pause, Resume, Abort): the slash command of the same name, queued as the person who clicked
  for (const [actionId, commandFor] of Object.entries(RUN_ACTIONS)) {
    app.action(actionId, async ({ ack, body, action: clicked, respond }) => {
      await ack();
      const b = body as {
        user: { id: string };
        team?: { id?: string };
        channel?: { id: string };
        container?: { channel_id?: string };
        response_url?: string;
      };
      const text = commandFor((clicked as { value?: string }).value ?? '');
      const log = opts.log.child({ user: b.user.id, action: actionId });
      const verdict = await access(
        text.split(' ')[0] ?? '',
        b.user.id,
        b.channel?.id ?? b.container?.channel_id ?? '',
      );
      if (!verdict.ok) {
        log.info({ text }, 'run button refused by slack.access');
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: `:no_entry: ${verdict.reason}`,
        }).catch(() => undefined);
        return;
      }
      try {
        await opts.enqueue(
          {
            requestId: randomUUID(),
            text,
            userId: b.user.id,
            channelId: b.channel?.id ?? b.container?.channel_id ?? '',
            ...(b.team?.id ? { teamId: b.team.id } : {}),
            requestedAt: new Date().toISOString(),
          },
          b.response_url,
        );
        log.info({ text }, 'run button queued');
      } catch (err) {
        const e = asKdrError(err);
        log.error({ code: e.code, err: e.message }, 'run button could not be queued');
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: `:warning: \`/kdr ${text}\` was not run: ${e.message}\n${e.hint}`,
        }).catch(() => undefined);
      }
    });
  }

  app.error(async (err) => {
    opts.log.error({ err: err.message, code: (err as { code?: string }).code }, 'bolt error');
  });
  return app;
}
