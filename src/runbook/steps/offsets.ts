import { gatherTranslation } from '../../translate/gather.js';
import { offsetsArgs, offsetsChange, offsetsPlan } from '../../translate/offsets-change.js';
import type { GroupOffsets, OffsetsBody } from '../../translate/offsets-types.js';
import { check, dataOf, type RunStep, type StepContext } from '../step.js';
import type { Run } from '../types.js';
import type { AssessData } from './assess.js';

/** What the offsets step leaves: the previous DR offsets (for undo) and what it wrote (for the re-read figures). */
export interface OffsetsData {
  cluster: string;
  before: Record<string, Array<{ topic: string; partition: number; offset: number | null }>>;
  /** `rereads`: what the plan said the group reads again from `offset` on that partition. */
  written: Record<string, Array<{ topic: string; partition: number; offset: number; rereads?: number }>>;
  /** Planned failover with exact offsets: per group, re-reads with kdr's offsets and with MM2's alone. */
  rereads?: Record<string, NonNullable<GroupOffsets['rereads']>>;
  /** Unplanned failover: per group, the partitions resumed from kdr's stored proofs and the re-reads saved. */
  stored?: Record<string, NonNullable<GroupOffsets['stored']>>;
}

/**
 * Exact offsets (the config's runbook.exactOffsets, on by default): proven live where the source answers (a
 * planned failover); in an unplanned one whose source is gone, the worker's stored proofs weighed against MM2's
 * checkpoints.
 */
const argsOf = (ctx: StepContext, run: Run) =>
  offsetsArgs.parse({
    flow: ctx.flow.name,
    groups: dataOf<AssessData>(run, 'assess')?.groups ?? run.groups,
    from: 'scan',
    exact: ctx.config.runbook.exactOffsets && run.kind === 'failover',
  });

const storedProofs = async (ctx: StepContext, run: Run) =>
  run.mode === 'unplanned' && run.kind === 'failover' && ctx.config.runbook.exactOffsets
    ? await ctx.ports.proofs?.all(ctx.flow.name)
    : undefined;

/**
 * offsets (approval): translates every group of the run (one plan, one approval, all groups) and commits them; in a
 * planned failover each partition's exact position is proven record by record where it can be (MM2's newest
 * checkpoint elsewhere), and the plan shows per group the re-reads with MM2's checkpoints and with kdr's. It
 * commits on the target (groups must be empty there; rewinds refused), reading each back.
 * Per-group progress: a worker that dies in the middle resumes without writing a group twice.
 */
export const offsets: RunStep = {
  id: 'offsets',
  gate: 'approval',
  plan: async (ctx, run) => {
    const a = argsOf(ctx, run);
    const proofs = await storedProofs(ctx, run);
    const report = await gatherTranslation(ctx.config, ctx.log, {
      ...a,
      flow: ctx.flow,
      ...(proofs ? { proofs } : {}),
    });
    const p = offsetsPlan(report, a);
    return {
      text: p.text,
      body: p.body as unknown as Record<string, unknown>,
      ...(p.refusals.length ? { refusals: p.refusals } : {}),
    };
  },
  execute: async (ctx, run, body, io) => {
    const b = body as unknown as OffsetsBody;
    const a = argsOf(ctx, run);
    const approved = { hash: '', text: '', body: b, refusals: [], empty: false, summary: '' };
    const applied = await offsetsChange.apply(
      { config: ctx.config, log: ctx.log, ports: ctx.ports },
      a,
      approved,
      approved,
      io,
    );
    const partitions = b.groups.reduce((n, g) => n + g.changes.length, 0);
    return {
      ok: applied.ok,
      result: `${applied.text}${b.refused.length ? `; ${b.refused.length} group(s) refused in the plan and left alone` : ''}`,
      checks: [
        check(
          'groups committed and read back',
          applied.ok,
          `${b.groups.length} group(s), ${partitions} partition(s)`,
          'equal',
        ),
        check(
          'groups refused in the plan',
          b.refused.length === 0,
          b.refused.map((r) => r.group).join(', ') || 'none',
          'none',
        ),
      ],
      data: {
        cluster: b.cluster,
        before: Object.fromEntries(
          b.groups.map((g) => [
            g.group,
            g.changes.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.from })),
          ]),
        ),
        written: Object.fromEntries(
          b.groups.map((g) => [
            g.group,
            g.changes.map((c) => ({
              topic: c.topic,
              partition: c.partition,
              offset: c.to,
              ...(c.rereads !== undefined ? { rereads: c.rereads } : {}),
            })),
          ]),
        ),
        ...(b.groups.some((g) => g.rereads)
          ? { rereads: Object.fromEntries(b.groups.map((g) => [g.group, g.rereads!])) }
          : {}),
        ...(b.groups.some((g) => g.stored)
          ? { stored: Object.fromEntries(b.groups.map((g) => [g.group, g.stored!])) }
          : {}),
      } satisfies OffsetsData,
    };
  },
  undo: async (ctx, _run, rec) => {
    const d = rec.data as
      | {
          cluster: string;
          before: Record<string, Array<{ topic: string; partition: number; offset: number | null }>>;
        }
      | undefined;
    if (!d) return 'no offsets were written';
    const restored: string[] = [];
    const left: string[] = [];
    for (const [group, parts] of Object.entries(d.before)) {
      const back = parts
        .filter((p) => p.offset !== null)
        .map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset! }));
      if (back.length === 0) {
        left.push(group);
        continue;
      }
      try {
        await ctx.ports.offsets.commit(d.cluster, group, back);
        restored.push(group);
      } catch {
        left.push(group);
      }
    }
    return `restored the previous offsets of ${restored.length} group(s) on ${d.cluster}${left.length ? `; ${left.length} group(s) had none before (or are active) and keep the translated ones: ${left.slice(0, 5).join(', ')}` : ''}`;
  },
};
