import { join } from 'node:path';
import { z } from 'zod';
import type { AuditEntry } from '../src/audit/audit-log.js';
import { installationAuditKey, openAuditLog } from '../src/audit/open.js';
import { type FileCheck, verifyAuditFile } from '../src/audit/verify-file.js';
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
  'verify-file': z.boolean().optional(),
  file: z.string().min(1).optional(),
  json: z.boolean().optional(),
});

export interface AuditReport {
  filter: string;
  since: string | null;
  total: number;
  /** The hash chain of the whole trail verifies (no entry edited, removed or reordered). */
  verified: boolean;
  brokenAt?: string;
  /** Why the chain is broken at `brokenAt`. */
  why?: string;
  /** Entries at the start written before the trail was keyed. */
  legacy?: number;
  entries: AuditEntry[];
  /** `--verify-file`: the JSON-lines file sink checked on its own and against Redis. */
  fileCheck?: FileCheck;
  /** Entries trimmed from the Redis stream into the archive under the data dir, checked from the genesis. */
  archive?: { verified: boolean; entries: number; why?: string };
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
    `audit trail${r.filter ? ` for ${r.filter}` : ''}${r.since ? ` since ${r.since}` : ''}: ${r.entries.length} entr${r.entries.length === 1 ? 'y' : 'ies'}; hash chain ${r.verified ? 'verifies from the genesis to the head' : `BROKEN at ${r.brokenAt}: ${r.why}`} (${r.total} entries in all${r.legacy ? `, the first ${r.legacy} written before it was keyed` : ''})`,
    ...(r.fileCheck ? [fileText(r.fileCheck)] : []),
    ...(r.archive
      ? [
          `archive: ${r.archive.entries} older entr${r.archive.entries === 1 ? 'y' : 'ies'} trimmed from Redis ${r.archive.verified ? 'verify from the genesis to where the stream starts' : `DO NOT VERIFY: ${r.archive.why}`}`,
        ]
      : []),
    table(['at (UTC)', 'who', 'action', 'outcome', 'plan'], shown.map(line)),
    ...(shown.length < r.entries.length
      ? [`(${r.entries.length - shown.length} earlier entries in the attached file)`]
      : []),
  ].join('\n');
}

function fileText(f: FileCheck): string {
  const verdict = f.verified ? 'verifies' : 'DOES NOT VERIFY';
  const problems = [
    ...f.bad.slice(0, 5).map((b) => `line ${b.line}${b.id ? ` (${b.id})` : ''}: ${b.why}`),
    ...(f.missingInRedis.length
      ? [
          `${f.missingInRedis.length} entr${f.missingInRedis.length === 1 ? 'y' : 'ies'} of the file not in Redis (or with another hash): ${f.missingInRedis.slice(0, 5).join(', ')}${f.missingInRedis.length > 5 ? ', …' : ''}`,
        ]
      : []),
  ];
  return [
    `file ${f.file}: ${f.lines} line(s), ${verdict}${f.redisChecked ? ' against Redis' : ''}${f.gaps ? ` (${f.gaps} place(s) where other processes wrote in between)` : ''}`,
    ...problems.map((p) => `  ${p}`),
  ].join('\n');
}

export const audit: CommandSpec<z.infer<typeof args>, AuditReport> = {
  name: 'audit',
  summary:
    'the audit trail (plans, approvals, executions), with its hash chain checked; the full trail as a file',
  usage: 'audit [plan-id|group] [--since 2h|ISO-time] [--verify-file [--file PATH]] [--json]',
  examples: ['audit', 'audit 3205447b', 'audit orders-app --since 24h', 'audit --verify-file'],
  options: { since: { type: 'string' }, 'verify-file': { type: 'boolean' }, file: { type: 'string' } },
  args,
  mutates: false,
  run: async (ctx, a) => {
    const redis = await connectRedis(ctx.config.redis);
    try {
      const sinceMs = a.since
        ? parseDuration(a.since) !== undefined
          ? Date.now() - parseDuration(a.since)!
          : Date.parse(a.since)
        : undefined;
      const trail = openAuditLog(redis, ctx.config);
      const id = a.positionals[0];
      const all = await trail.read({
        ...(sinceMs ? { sinceMs } : {}),
        keep: (e) =>
          !id ||
          Boolean(e.planId?.startsWith(id)) ||
          e.subject.group === id ||
          e.subject.plan === id ||
          (e.subject.groups ?? '').split(',').includes(id),
      });
      const fileCheck = a['verify-file']
        ? await verifyAuditFile(
            a.file ?? join(ctx.config.dataDir, 'audit.jsonl'),
            installationAuditKey(ctx.config),
            trail,
          )
        : undefined;
      const archive = await trail.verifyArchive(join(ctx.config.dataDir, 'audit-archive'));
      return {
        filter: id ?? '',
        since: sinceMs ? new Date(sinceMs).toISOString() : null,
        total: all.total,
        verified: all.verified,
        ...(all.brokenAt ? { brokenAt: all.brokenAt, why: all.why } : {}),
        legacy: all.legacy,
        entries: all.entries,
        ...(fileCheck ? { fileCheck } : {}),
        ...(archive ? { archive } : {}),
      };
    } finally {
      redis.disconnect();
    }
  },
  view: {
    text: (r) => text(r),
    summary: (r) =>
      `audit: ${r.entries.length} entries${r.filter ? ` for ${r.filter}` : ''}; chain ${r.verified ? 'verifies' : 'BROKEN'}${r.fileCheck ? `; file ${r.fileCheck.verified ? 'verifies' : 'DOES NOT VERIFY'}` : ''}`,
    blocks: (r): Block[] => [
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${text(r, SHOWN).slice(0, 2900)}\`\`\`` } },
    ],
    failed: (r) =>
      !r.verified ||
      (r.fileCheck !== undefined && !r.fileCheck.verified) ||
      (r.archive !== undefined && !r.archive.verified),
    attachment: (r) => ({
      filename: `kdr-audit${r.filter ? `-${r.filter}` : ''}.jsonl`,
      title: `kdr audit trail${r.filter ? ` for ${r.filter}` : ''}`,
      content: r.entries.map((e) => JSON.stringify(e)).join('\n') || '(no entries)',
    }),
  },
};
