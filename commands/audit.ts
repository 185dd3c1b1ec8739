import { z } from 'zod';
import { type AuditEntry, AuditLog } from '../src/audit/audit-log.js';
import type { Block, CommandSpec } from '../src/core/command.js';
import { parseDuration } from '../src/core/duration.js';
import { connectRedis } from '../src/queue/redis-ready.js';
import { table } from '../src/render/table.js';

const args = z.object({
  positionals: z.array(z.string().min(1)).max(1, 'expected at most one plan id or group'),
  since: z
    .string()
    .refine(
      (s) => parseDuration(s) !== undefined || !Number.isNaN(Date.parse(s)),
      'expected a duration like 2h or a time like 2026-11-21T08:00:00Z',
    )
    .optional(),
  json: z.boolean().optional(),
});

export interface AuditReport {
  filter: string;
  since: string | null;
  total: number;
  /** The hash chain of the whole trail verifies (no entry edited, removed or reordered). */
  verified: boolean;
  brokenAt?: string;
  entries: AuditEntry[];
}

const SHOWN = 15;
const line = (e: AuditEntry) => [
  e.at.slice(0, 19),
  e.actor.user,
  e.action,
  e.outcome.slice(0, 80),
  e.planId?.slice(0, 8) ?? '-',
];

function text(r: AuditReport, limit = Number.POSITIVE_INFINITY): string {
  const shown = r.entries.slice(-limit);
  return [
    `audit trail${r.filter ? ` for ${r.filter}` : ''}${r.since ? ` since ${r.since}` : ''}: ${r.entries.length} entr${r.entries.length === 1 ? 'y' : 'ies'}; hash chain ${r.verified ? 'verifies' : `BROKEN at ${r.brokenAt}`} (${r.total} entries in all)`,
    table(['at (UTC)', 'who', 'action', 'outcome', 'plan'], shown.map(line)),
    ...(shown.length < r.entries.length
      ? [`(${r.entries.length - shown.length} earlier entries in the attached file)`]
      : []),
  ].join('\n');
}

export const audit: CommandSpec<z.infer<typeof args>, AuditReport> = {
  name: 'audit',
  summary:
    'the audit trail (plans, approvals, executions), with its hash chain checked; the full trail as a file',
  usage: 'audit [plan-id|group] [--since 2h|ISO-time] [--json]',
  examples: ['audit', 'audit 3205447b', 'audit orders-app --since 24h'],
  options: { since: { type: 'string' } },
  args,
  mutates: false,
  run: async (ctx, a) => {
    const redis = await connectRedis(ctx.config.redis.url);
    try {
      const sinceMs = a.since
        ? parseDuration(a.since) !== undefined
          ? Date.now() - parseDuration(a.since)!
          : Date.parse(a.since)
        : undefined;
      const all = await new AuditLog(redis, ctx.config.redis.prefix).read();
      const id = a.positionals[0];
      const entries = all.entries.filter(
        (e) =>
          (!sinceMs || Date.parse(e.at) >= sinceMs) &&
          (!id ||
            e.planId?.startsWith(id) ||
            e.subject.group === id ||
            e.subject.plan === id ||
            (e.subject.groups ?? '').split(',').includes(id)),
      );
      return {
        filter: id ?? '',
        since: sinceMs ? new Date(sinceMs).toISOString() : null,
        total: all.entries.length,
        verified: all.verified,
        ...(all.brokenAt ? { brokenAt: all.brokenAt } : {}),
        entries,
      };
    } finally {
      redis.disconnect();
    }
  },
  view: {
    text: (r) => text(r),
    summary: (r) =>
      `audit: ${r.entries.length} entries${r.filter ? ` for ${r.filter}` : ''}; chain ${r.verified ? 'verifies' : 'BROKEN'}`,
    blocks: (r): Block[] => [
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${text(r, SHOWN).slice(0, 2900)}\`\`\`` } },
    ],
    attachment: (r) => ({
      filename: `kdr-audit${r.filter ? `-${r.filter}` : ''}.jsonl`,
      title: `kdr audit trail${r.filter ? ` for ${r.filter}` : ''}`,
      content: r.entries.map((e) => JSON.stringify(e)).join('\n') || '(no entries)',
    }),
  },
};
