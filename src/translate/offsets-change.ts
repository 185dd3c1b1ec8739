import { createHash } from 'node:crypto';
import { z } from 'zod';
import { findFlow } from '../config/find-flow.js';
import { KdrError } from '../core/errors.js';
import type { Change } from '../pipeline/change.js';
import { type OffsetChange, planCommit, written } from './commit-plan.js';
import { gatherTranslation } from './gather.js';
import { offsetsPlanText } from './offsets-text.js';
import type { GroupOffsets, OffsetsBody } from './offsets-types.js';
import type { TranslationReport } from './types.js';

export const offsetsArgs = z.object({
  flow: z.string().min(1),
  /** The groups (pinned: `--all` is stored as the groups its plan found). */
  groups: z.array(z.string().min(1)).default([]),
  all: z.boolean().default(false),
  failback: z.boolean().default(false),
  allowRewind: z.boolean().default(false),
  acceptStale: z.boolean().default(false),
  from: z.enum(['auto', 'index', 'scan']).default('auto'),
  /** Commit proven exact positions where kdr can prove them (failover only). */
  exact: z.boolean().default(false),
});
export type OffsetsArgs = z.infer<typeof offsetsArgs>;

export type { GroupOffsets, OffsetsBody } from './offsets-types.js';

const key = (topic: string, partition: number) => `${topic}:${partition}`;
const short = (s: string) => (s.length > 120 ? createHash('sha1').update(s).digest('hex') : s);

/** A group's re-reads after the write, with kdr's offsets and with MM2's alone. */
export function groupRereads(changes: OffsetChange[]): NonNullable<GroupOffsets['rereads']> {
  return {
    kdr: changes.reduce((n, c) => n + (c.rereads ?? 0), 0),
    mm2: changes.reduce((n, c) => n + Math.max(0, c.mm2Rereads ?? 0), 0),
    noCheckpoint: changes.filter((c) => c.mm2Rereads === null).length,
    proven: changes.filter((c) => c.by === 'kdr').length,
    partitions: changes.length,
  };
}

/** Unplanned failover: how many partitions of a group come from stored proofs, and what that saves. */
export function storedFigures(changes: OffsetChange[]): NonNullable<GroupOffsets['stored']> {
  return {
    partitions: changes.length,
    fromProofs: changes.filter((c) => c.by === 'kdr').length,
    saved: changes.reduce((n, c) => n + (c.saved ?? 0), 0),
  };
}

/** The pure part: a translation report in, the offsets plan out. */
export function offsetsPlan(report: TranslationReport, a: OffsetsArgs) {
  const body: OffsetsBody = {
    flow: report.flow,
    direction: report.direction,
    cluster: report.to,
    groups: [],
    refused: [],
    unchanged: [],
  };
  for (const g of report.groups) {
    const { plan, refusals } = planCommit(report, g, a);
    if (refusals.length) body.refused.push({ group: g.group, refusals });
    else if (plan.changes.length === 0) body.unchanged.push(g.group);
    else
      body.groups.push({
        group: g.group,
        changes: plan.changes,
        skipped: plan.skipped,
        ...(report.exact?.stored
          ? { stored: storedFigures(plan.changes) }
          : report.exact
            ? { rereads: groupRereads(plan.changes) }
            : {}),
      });
  }
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        flow: body.flow,
        direction: body.direction,
        cluster: body.cluster,
        groups: body.groups.map((g) => ({ group: g.group, changes: g.changes.map(written) })),
        refused: body.refused.map((r) => ({ group: r.group, codes: r.refusals.map((x) => x.code) })),
      }),
    )
    .digest('hex');
  const refusals = body.groups.length === 0 ? body.refused.flatMap((r) => r.refusals) : [];
  const partitions = body.groups.reduce((n, g) => n + g.changes.length, 0);
  return {
    hash,
    body,
    refusals,
    empty: body.groups.length === 0 && body.refused.length === 0,
    text: offsetsPlanText(body, hash),
    summary: `commit offsets of ${body.groups.length} group(s) (${partitions} partition(s)) on ${body.cluster}`,
    view: report,
  };
}

/**
 * `translate --commit`: the translated offsets of one or many groups, committed on the cluster they move to, each
 * group read back. Refused groups are listed in the plan and left alone; the rest go ahead as one approved plan.
 */
export const offsetsChange: Change<OffsetsArgs, OffsetsBody> = {
  kind: 'translate.commit',
  audit: 'translate',
  prompt: 'Commit these offsets?',
  args: offsetsArgs,
  resource: (a) => `offsets:${a.flow}:${a.failback ? 'failback' : 'failover'}`,
  planKey: (a) =>
    short(
      `translate:${a.flow}:${a.failback ? 'failback' : 'failover'}${a.exact ? ':exact' : ''}:${a.all ? '*' : a.groups.join(',')}`,
    ),
  subject: (a, plan) => {
    const groups = plan
      ? [
          ...plan.body.groups.map((g) => g.group),
          ...plan.body.refused.map((r) => r.group),
          ...plan.body.unchanged,
        ]
      : a.groups;
    return {
      flow: a.flow,
      ...(plan ? { cluster: plan.body.cluster } : {}),
      group: groups.length === 1 ? groups[0]! : a.all ? 'all' : `${groups.length} groups`,
      ...(groups.length > 1 ? { groups: groups.join(',').slice(0, 2000) } : {}),
      direction: a.failback ? 'failback' : 'failover',
    };
  },
  describe: (a) =>
    `translate --commit ${a.all ? '--all' : a.groups.length === 1 ? a.groups[0] : `${a.groups.length} groups`}`,
  plan: async (env, a) => {
    const flow = findFlow(env.config, a.flow);
    const report = await gatherTranslation(env.config, env.log, {
      flow,
      groups: a.groups,
      all: a.all,
      from: a.from,
      failback: a.failback,
      exact: a.exact,
      ...(env.ports.checkpointIndex ? { index: env.ports.checkpointIndex } : {}),
      ...(a.exact && env.ports.proofs ? { proofs: await env.ports.proofs.all(flow.name) } : {}),
    });
    const p = offsetsPlan(report, a);
    const run = await env.ports.runs?.activeOn(p.body.cluster);
    if (run)
      p.refusals.unshift({
        code: 'KDR_RUN_ACTIVE',
        message: `run ${run} holds ${p.body.cluster}: manual offset commits there are refused while it runs`,
        hint: `the run's offsets step commits them; see \`kdr runbook ${run}\``,
      });
    return p;
  },
  pin: (a, plan) => ({
    ...a,
    all: false,
    groups: [...plan.body.groups.map((g) => g.group), ...plan.body.refused.map((r) => r.group)],
  }),
  reconcile: (approved, live, resumed) => {
    if (live.hash === approved.hash) return { kind: 'same' };
    // after a crash some groups are written: the executor checks each group against the approved offsets
    if (resumed) return { kind: 'resume' };
    const done = approved.body.groups.every((g) => live.body.unchanged.includes(g.group));
    if (done) return { kind: 'applied' };
    return { kind: 'changed', why: 'MM2 checkpointed again, or a group moved or became active' };
  },
  apply: async (env, _a, approved, _live, io) => {
    const { cluster, groups } = approved.body;
    let written = 0;
    let already = 0;
    const problems: string[] = [];
    for (const g of groups) {
      if (await io.isDone(g.group)) {
        already++;
        continue;
      }
      const now = new Map(
        (await env.ports.offsets.read(cluster, g.group)).map((o) => [key(o.topic, o.partition), o.offset]),
      );
      const at = (c: OffsetChange) => now.get(key(c.topic, c.partition)) ?? null;
      if (g.changes.every((c) => at(c) === c.to)) {
        await io.markDone(g.group);
        already++;
        continue;
      }
      if (!g.changes.every((c) => at(c) === c.from)) {
        problems.push(`${g.group}: its offsets on ${cluster} moved since the plan; left alone`);
        continue;
      }
      await io.guard();
      try {
        await env.ports.offsets.commit(
          cluster,
          g.group,
          g.changes.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.to })),
        );
      } catch (err) {
        if (err instanceof KdrError && !err.retriable) {
          problems.push(`${g.group}: ${err.message}`);
          continue;
        }
        throw err; // the cluster is away: the job retries and resumes here
      }
      const back = new Map(
        (await env.ports.offsets.read(cluster, g.group)).map((o) => [key(o.topic, o.partition), o.offset]),
      );
      if (!g.changes.every((c) => back.get(key(c.topic, c.partition)) === c.to)) {
        problems.push(`${g.group}: read back differs from the plan (something else committed meanwhile)`);
        continue;
      }
      await io.markDone(g.group);
      written++;
      await io.pace();
    }
    const partitions = groups.reduce((n, g) => n + g.changes.length, 0);
    const what =
      groups.length === 1
        ? `${partitions} partition(s) of ${groups[0]!.group}`
        : `${groups.length} group(s) (${partitions} partition(s))`;
    const text = problems.length
      ? `committed ${written} of ${groups.length} group(s) on ${cluster}${already ? ` (${already} already at the plan)` : ''}; not done: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` and ${problems.length - 5} more` : ''}`
      : `committed ${what} on ${cluster}; read back: equal${already ? ` (${already} group(s) were already at the plan)` : ''}`;
    return {
      ok: problems.length === 0,
      outcome: problems.length ? 'partly written' : 'written',
      text,
      verified: problems.length === 0,
      detail: { written, already, problems: problems.length },
      data: { written, already, problems },
    };
  },
};
