import type { ApplyIO } from '../../pipeline/change.js';
import { gatherTranslation } from '../../translate/gather.js';
import { offsetsArgs, offsetsChange, offsetsPlan } from '../../translate/offsets-change.js';
import type { OffsetsBody } from '../../translate/offsets-types.js';
import { check, dataOf, type RunStep, type StepContext } from '../step.js';
import type { AssessData } from '../steps/assess.js';
import { type OffsetsData, offsets } from '../steps/offsets.js';
import type { Run } from '../types.js';
import type { RebuildData } from './rebuild.js';
import { withRebuiltRows } from './rebuild-map.js';

/** The two halves of a failback's offsets, both committed on the old primary. */
type Part = 'back' | 'reverse';

const argsOf = (ctx: StepContext, run: Run, part: Part) =>
  offsetsArgs.parse({
    flow: ctx.forward.name,
    groups: dataOf<AssessData>(run, 'assess')?.groups ?? run.groups,
    failback: part === 'back',
    from: 'scan',
  });

/** A group with nothing to translate in one half is not refused: the other half may move it. */
const withoutNothing = (b: OffsetsBody): OffsetsBody => ({
  ...b,
  refused: b.refused
    .map((r) => ({ ...r, refusals: r.refusals.filter((x) => x.code !== 'KDR_NOTHING_TO_TRANSLATE') }))
    .filter((r) => r.refusals.length > 0),
});

/** Sub-progress of one half kept apart from the other's (a group can be in both). */
const partIo = (io: ApplyIO, part: Part): ApplyIO => ({
  ...io,
  isDone: (k) => io.isDone(`${part}:${k}`),
  markDone: (k) => io.markDone(`${part}:${k}`),
});

/**
 * failback's offsets (approval): one plan, one approval, two translations committed on the old primary. Groups'
 * commits on the replicated `<primary>.*` topics go back through MM2's offset syncs (`translate --failback`); their
 * commits on the topics written on the target during the failover come from the reverse flow's checkpoints (onto
 * `<target>.*` on the old primary). Each group read back; undo restores what the groups had before.
 */
export const failbackOffsets: RunStep = {
  id: 'offsets',
  gate: 'approval',
  plan: async (ctx, run) => {
    const parts = await Promise.all(
      (['back', 'reverse'] as const).map(async (part) => {
        const a = argsOf(ctx, run, part);
        const flow = part === 'back' ? ctx.forward : ctx.flow;
        const gathered = await gatherTranslation(ctx.config, ctx.log, { ...a, flow });
        // topics rebuilt from DR: their DR offsets map to the rebuilt ones exactly (the copy's own map)
        const maps = dataOf<RebuildData>(run, 'rebuild')?.maps;
        const report = part === 'back' && maps ? withRebuiltRows(gathered, maps) : gathered;
        const p = offsetsPlan(report, a);
        return { part, text: p.text, body: withoutNothing(p.body) };
      }),
    );
    const [back, rev] = parts;
    const moved = new Set([...back!.body.groups, ...rev!.body.groups].map((g) => g.group));
    const refused = [...back!.body.refused, ...rev!.body.refused];
    return {
      text: [
        `commit on ${ctx.forward.source}, for ${moved.size} group(s):`,
        `1. what they read of ${ctx.forward.source}'s own topics (on ${ctx.forward.target} as ${ctx.forward.source}.*), translated back through MM2's offset syncs${dataOf<RebuildData>(run, 'rebuild')?.maps ? ' (exactly, through the copy, on the rebuilt topics)' : ''}:`,
        back!.text,
        `2. what they read of the topics written on ${ctx.forward.target} during the failover, from the reverse flow's checkpoints (onto ${ctx.forward.target}.* on ${ctx.forward.source}):`,
        rev!.text,
      ].join('\n'),
      body: { back: back!.body, reverse: rev!.body } as unknown as Record<string, unknown>,
      ...(moved.size === 0 && refused.length ? { refusals: refused.flatMap((r) => r.refusals) } : {}),
    };
  },
  execute: async (ctx, run, body, io) => {
    const b = body as unknown as Record<Part, OffsetsBody>;
    const env = { config: ctx.config, log: ctx.log, ports: ctx.ports };
    const texts: string[] = [];
    let ok = true;
    for (const part of ['back', 'reverse'] as const) {
      const approved = { hash: '', text: '', body: b[part], refusals: [], empty: false, summary: '' };
      if (b[part].groups.length === 0) continue;
      const applied = await offsetsChange.apply(
        env,
        argsOf(ctx, run, part),
        approved,
        approved,
        partIo(io, part),
      );
      ok &&= applied.ok;
      texts.push(`${part === 'back' ? 'translated back' : 'from the reverse checkpoints'}: ${applied.text}`);
    }
    const all = [...b.back.groups, ...b.reverse.groups];
    const refused = [...b.back.refused, ...b.reverse.refused];
    const merge = (pick: (c: OffsetsBody['groups'][number]['changes'][number]) => number | null) => {
      const out: Record<string, Array<{ topic: string; partition: number; offset: number | null }>> = {};
      for (const g of all)
        out[g.group] = [
          ...(out[g.group] ?? []),
          ...g.changes.map((c) => ({ topic: c.topic, partition: c.partition, offset: pick(c) })),
        ];
      return out;
    };
    return {
      ok,
      result: `${texts.join('; ') || 'nothing to commit'}${refused.length ? `; ${refused.length} group(s) refused in the plan and left alone` : ''}`,
      checks: [
        check(
          'groups committed and read back',
          ok,
          `${new Set(all.map((g) => g.group)).size} group(s)`,
          'equal',
        ),
        check(
          'groups refused in the plan',
          refused.length === 0,
          refused.map((r) => r.group).join(', ') || 'none',
          'none',
        ),
      ],
      data: {
        cluster: ctx.forward.source,
        before: merge((c) => c.from),
        written: merge((c) => c.to) as OffsetsData['written'],
      } satisfies OffsetsData,
    };
  },
  undo: offsets.undo!,
};
