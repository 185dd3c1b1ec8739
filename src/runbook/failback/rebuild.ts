import { existsSync } from 'node:fs';
import { ClusterAdmin } from '../../kafka/cluster-admin.js';
import { ClusterReader } from '../../kafka/cluster-reader.js';
import { GroupOffsetWriter } from '../../kafka/group-offset-writer.js';
import { PartitionWriter } from '../../kafka/partition-writer.js';
import { ConnectRest } from '../../mm2/connect-rest.js';
import { scanOffsetSyncs } from '../../mm2/topics.js';
import type { ApplyIO } from '../../pipeline/change.js';
import { check, type RunStep, type StepContext, stepOf } from '../step.js';
import type { Run } from '../types.js';
import { copyPartition, saveRecords } from './rebuild-copy.js';
import { type CopyMap, carriedOffset } from './rebuild-map.js';
import { type RebuildBody, type RebuildTopic, rebuildFacts, rebuildText } from './rebuild-plan.js';
import { connectUrlOf } from './reverse-flow.js';

export interface RebuildData {
  /** Per `topic:partition` of the rebuilt topics: where each copied DR record landed (the offsets step uses it). */
  maps: Record<string, CopyMap>;
  file?: string;
  saved?: number;
}

/** The maps of the topics rebuilt so far (kept in the run while the step executes: a retry after a crash reads them). */
const progress = async (ctx: StepContext, run: Run): Promise<RebuildData> => {
  const live = await ctx.runs.get(run.run);
  return (live ? (stepOf(live, 'rebuild').data as RebuildData | undefined) : undefined) ?? { maps: {} };
};

/** Deletes the topic (the original or a partial copy of an interrupted attempt), creates it empty, copies DR's copy in. */
async function rebuildTopic(ctx: StepContext, t: RebuildTopic, first: boolean, io: ApplyIO) {
  const { source, target } = ctx.forward;
  const admin = new ClusterAdmin(source, ctx.config.clusters[source]!, ctx.log);
  const primary = new ClusterReader(source, ctx.config.clusters[source]!, ctx.log);
  const dr = new ClusterReader(target, ctx.config.clusters[target]!, ctx.log);
  const writer = new PartitionWriter(source, ctx.config.clusters[source]!, ctx.log);
  try {
    if (first && (await primary.topicExists(t.topic))) {
      // nothing may have been written since the plan: the approval covered exactly these records
      const ends = await primary.ends(t.topic);
      const moved = ends.filter(
        (e) => Number(e.high) !== t.partitions.find((p) => p.partition === e.partition)?.end,
      );
      if (moved.length)
        return `${t.topic} on ${source} took writes after the plan (partition ${moved.map((e) => e.partition).join(', ')}): stop what writes there, then retry`;
    }
    await io.guard();
    await admin.deleteTopics([t.topic]);
    await io.markDone(`rebuild:${t.topic}:deleted`);
    await io.guard();
    await admin.createTopics([
      {
        name: t.topic,
        partitions: t.partitions.length,
        replicationFactor: t.replicationFactor,
        configs: t.configs,
      },
    ]);
    const maps: Record<string, CopyMap> = {};
    for (const p of t.partitions)
      maps[`${t.topic}:${p.partition}`] = await copyPartition(
        dr,
        writer,
        { fromTopic: t.remote, toTopic: t.topic, partition: p.partition, start: p.drStart, end: p.drEnd },
        io,
      );
    // only kdr wrote there: the rebuilt ends are exactly the records copied
    const ends = await primary.ends(t.topic);
    const off = ends.filter((e) => Number(e.high) !== maps[`${t.topic}:${e.partition}`]?.newEnd);
    if (off.length)
      return `${t.topic} on ${source} holds other records than the ${Object.values(maps).reduce((n, m) => n + m.newEnd, 0)} copied (partition ${off.map((e) => e.partition).join(', ')}): something else writes there; stop it, then retry (the topic is rebuilt again)`;
    return maps;
  } finally {
    await Promise.all([admin.close(), primary.close(), dr.close(), writer.close()]);
  }
}

/** Commits carried over: each group's old position, at the same record of the rebuilt topic. */
async function carryCommits(ctx: StepContext, b: RebuildBody, maps: Record<string, CopyMap>) {
  const { source, target } = ctx.forward;
  const primary = new ClusterReader(source, ctx.config.clusters[source]!, ctx.log);
  const dr = new ClusterReader(target, ctx.config.clusters[target]!, ctx.log);
  const writer = new GroupOffsetWriter(source, ctx.config.clusters[source]!, ctx.log);
  try {
    const { syncs } = await scanOffsetSyncs(primary, dr, ctx.forward);
    const base = new Map<string, number>(
      b.topics.flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, p.base] as const)),
    );
    for (const [group, commits] of Object.entries(b.carried)) {
      const offsets = commits.flatMap((c) => {
        const k = `${c.topic}:${c.partition}`;
        const m = maps[k];
        return m
          ? [{ ...c, offset: BigInt(carriedOffset(m, Number(c.offset), base.get(k) ?? 0, syncs.get(k))) }]
          : [];
      });
      if (offsets.length) await writer.commit(group, offsets);
    }
  } finally {
    await Promise.all([primary.close(), dr.close(), writer.close()]);
  }
}

/**
 * rebuild (approval, `--orphans rebuild` only): the topics that took orphaned writes on the old primary are made
 * what DR holds of them. The orphaned records are saved to a file; each topic is deleted, created again with its
 * partitions and own configs, and DR's copy (`<primary>.<topic>`) copied in, record by record, as it is; groups'
 * commits there are carried over; the forward connector is positioned at the rebuilt ends. The copy's map is
 * kept: the offsets step translates groups' DR commits through it, exactly.
 */
export const rebuild: RunStep = {
  id: 'rebuild',
  gate: 'approval',
  skip: (run) =>
    run.options?.orphans === 'rebuild'
      ? undefined
      : `the old primary's topics stay as they are${run.options?.orphans === 'keep' ? ' (--orphans keep)' : ''}`,
  plan: async (ctx, run) => {
    const { body, refusals } = await rebuildFacts(ctx, run);
    return { text: rebuildText(ctx, body), body: body as unknown as Record<string, unknown>, refusals };
  },
  execute: async (ctx, run, raw, io) => {
    const b = raw as unknown as RebuildBody;
    const { source, target } = ctx.forward;
    const data: RebuildData = { ...(await progress(ctx, run)), file: b.file };
    const keep = async () => {
      await ctx.runs.update(run.run, (r) => {
        stepOf(r, 'rebuild').data = { ...data } as unknown as Record<string, unknown>;
        return r;
      });
    };
    if (b.topics.length === 0)
      return { ok: true, result: 'no orphaned writes: nothing rebuilt', checks: [], data: { maps: {} } };
    if (!(await io.isDone('rebuild:saved')) || !existsSync(b.file)) {
      const primary = new ClusterReader(source, ctx.config.clusters[source]!, ctx.log);
      try {
        data.saved = await saveRecords(
          primary,
          b.file,
          b.topics.flatMap((t) =>
            t.partitions
              .filter((p) => p.end > p.base)
              .map((p) => ({ topic: t.topic, partition: p.partition, from: p.base, end: p.end })),
          ),
        );
      } finally {
        await primary.close();
      }
      await keep();
      await io.markDone('rebuild:saved');
    }
    for (const t of b.topics) {
      if (await io.isDone(`rebuild:${t.topic}`)) continue;
      const first = !(await io.isDone(`rebuild:${t.topic}:deleted`));
      const out = await rebuildTopic(ctx, t, first, io);
      if (typeof out === 'string')
        return {
          ok: false,
          result: out,
          checks: [check('topics rebuilt', false, t.topic, 'all')],
          data: data as unknown as Record<string, unknown>,
        };
      Object.assign(data.maps, out);
      await keep();
      await io.markDone(`rebuild:${t.topic}`);
    }
    if (!(await io.isDone('rebuild:groups'))) {
      await io.guard();
      await carryCommits(ctx, b, data.maps);
      await io.markDone('rebuild:groups');
    }
    if (b.connector && !(await io.isDone('rebuild:connector'))) {
      await io.guard();
      await new ConnectRest(connectUrlOf(ctx.config, ctx.forward), 5000).alterMirrorOffsets(
        b.connector.name,
        b.connector.alias,
        Object.entries(data.maps).map(([k, m]) => ({
          topic: k.slice(0, k.lastIndexOf(':')),
          partition: Number(k.slice(k.lastIndexOf(':') + 1)),
          lastReplicated: m.newEnd > 0 ? m.newEnd - 1 : null,
        })),
      );
      await io.markDone('rebuild:connector');
    }
    const copied = Object.values(data.maps).reduce((n, m) => n + m.newEnd, 0);
    return {
      ok: true,
      result: `${b.topics.map((t) => t.topic).join(', ')} rebuilt on ${source} from ${target}: ${copied} record(s) copied; ${data.saved ?? '?'} orphaned record(s) saved to ${b.file}; ${Object.keys(b.carried).length} group(s) carried over${b.connector ? `; ${b.connector.name} positioned at the rebuilt ends` : ''}`,
      checks: [
        check('orphaned records saved', true, data.saved ?? null, b.file),
        check('topics rebuilt, ends equal to the records copied', true, b.topics.length, b.topics.length),
      ],
      data: data as unknown as Record<string, unknown>,
    };
  },
  undo: async (ctx, _run, rec) => {
    const d = rec.data as unknown as RebuildData | undefined;
    return `nothing to put back: the rebuilt topics on ${ctx.forward.source} hold what ${ctx.forward.target} holds; the orphaned records are in ${d?.file ?? 'the run directory'}`;
  },
};
