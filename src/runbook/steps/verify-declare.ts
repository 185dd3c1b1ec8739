import { ClusterReader } from '../../kafka/cluster-reader.js';
import { validateGroupLag } from '../../translate/validate.js';
import { check, dataOf, type RunStep, stepOf } from '../step.js';
import type { Check, Run } from '../types.js';
import type { AssessData } from './assess.js';
import { splitBrain } from './cutover.js';
import type { DrainData, FreezeData } from './freeze-drain.js';
import type { OffsetsData } from './offsets.js';
import { measureRereads, type RereadFigures } from './rereads-measure.js';

const WINDOW_MS = 6000;

/**
 * verify (automatic): every group with consumers on the target must be catching up (the seeds' validation rule:
 * lag falling PASS, equal WARN, rising FAIL); the old primary must take no writes (split-brain watch).
 */
export const verify: RunStep = {
  id: 'verify',
  gate: 'auto',
  plan: async (_ctx, run) => ({
    text: `judge the lag trend of the run's groups that consume on the target over ${WINDOW_MS / 1000} s; watch the old primary for writes`,
    body: { run: run.run },
  }),
  execute: async (ctx, run) => {
    const groups = dataOf<AssessData>(run, 'assess')?.groups ?? [];
    const reader = new ClusterReader(ctx.flow.target, ctx.config.clusters[ctx.flow.target]!, ctx.log);
    const active = await reader
      .describeGroups(groups)
      .then((gs) => gs.filter((g) => g.members > 0).map((g) => g.groupId))
      .finally(() => reader.close());
    const checks: Check[] = [];
    const results = await Promise.all(
      active.map((g) =>
        validateGroupLag(ctx.flow.target, ctx.config.clusters[ctx.flow.target]!, g, WINDOW_MS, 3, ctx.log),
      ),
    );
    for (const v of results)
      checks.push(
        check(
          `lag trend of ${v.group}`,
          v.verdict !== 'FAIL',
          `${v.verdict} (${v.samples.map((s) => s.lag).join('→')})`,
          'not rising',
        ),
      );
    const sb = await splitBrain(ctx, run);
    checks.push(
      check(
        'records on the old primary after the freeze',
        !sb || sb.records === 0,
        sb ? sb.records : 'not measurable',
        0,
      ),
    );
    // re-reads: predicted from the translation, observed by finding each group's last consumed record on the target
    const rereads = await measureRereads(ctx, run).catch((err: Error) => {
      ctx.log.warn({ err: err.message }, 're-reads not measured');
      return undefined;
    });
    if (rereads) {
      checks.push(
        check(
          're-reads observed (predicted)',
          rereads.observed === null || rereads.observed >= 0,
          `${rereads.observed ?? '?'} (${rereads.predicted})${rereads.unmatched ? `; ${rereads.unmatched} partition(s) not matched` : ''}`,
          'no skipped records',
        ),
      );
      // each group's duplicates against its plan's figure (0 where kdr proved the exact position)
      const over = Object.entries(rereads.groups ?? {}).filter(
        ([, g]) => g.observed !== null && g.observed > g.predicted,
      );
      checks.push(
        check(
          'groups re-reading more than their plan said',
          over.length === 0,
          over
            .slice(0, 5)
            .map(([n, g]) => `${n} ${g.observed} > ${g.predicted}`)
            .join(', ') || 'none',
          'none',
        ),
      );
    }
    const ok = checks.every((c) => c.pass);
    const idle = groups.length - active.length;
    return {
      ok,
      result: ok
        ? `${active.length} group(s) consuming on ${ctx.flow.target}: ${results.map((v) => `${v.group} ${v.verdict}`).join(', ') || 'none yet'}${idle ? `; ${idle} group(s) not consuming yet` : ''}${rereads ? `; re-reads ${rereads.observed ?? '?'} observed, ${rereads.predicted} predicted` : ''}`
        : `not verified: ${checks
            .filter((c) => !c.pass)
            .map((c) => `${c.name}: ${c.value}`)
            .join('; ')}`,
      checks,
      data: {
        verdicts: Object.fromEntries(results.map((v) => [v.group, v.verdict])),
        ...(rereads ? { rereads } : {}),
        ...(sb ? { splitBrain: sb } : {}),
      },
    };
  },
};

/** The figures of a run: RTO from the freeze (planned) or the open (unplanned) to the end of verify; RPO. */
export function measure(run: Run) {
  const freeze = stepOf(run, 'freeze');
  const verifyStep = stepOf(run, 'verify');
  const from = run.mode === 'planned' && freeze?.startedAt ? freeze.startedAt : run.startedAt;
  const to = verifyStep?.endedAt ?? new Date().toISOString();
  const drained = dataOf<DrainData>(run, 'drain');
  const frozen = dataOf<FreezeData>(run, 'freeze');
  const assessData = dataOf<AssessData>(run, 'assess');
  const rpoRecords = drained?.lagRecords ?? null;
  const rereads = dataOf<{ rereads?: RereadFigures }>(run, 'verify')?.rereads;
  const stored = dataOf<OffsetsData>(run, 'offsets')?.stored;
  return {
    rtoMs: Date.parse(to) - Date.parse(from),
    ...(rpoRecords !== null ? { rpoRecords } : {}),
    ...(rereads ? { rereadsPredicted: rereads.predicted } : {}),
    ...(rereads?.mm2 !== undefined ? { rereadsMm2: rereads.mm2 } : {}),
    ...(stored ? { rereadsSaved: Object.values(stored).reduce((n, g) => n + g.saved, 0) } : {}),
    ...(rereads?.observed != null ? { rereadsObserved: rereads.observed } : {}),
    rpoWindowMs: run.mode === 'planned' && frozen ? 0 : (assessData?.heartbeatAgeMs ?? undefined),
  };
}

/**
 * declare (automatic): the figures (RTO, RPO in records and as a window), the report, the stakeholder post; the
 * engine then releases the pair and completes the run.
 */
export const declare: RunStep = {
  id: 'declare',
  gate: 'auto',
  plan: async (_ctx, run) => ({
    text: `declare ${run.flow} failed over: figures, report, stakeholders`,
    body: { run: run.run },
  }),
  execute: async (ctx, run) => {
    const sb = await splitBrain(ctx, run);
    if (sb && sb.records > 0 && run.mode === 'planned')
      return {
        ok: false,
        result: `split-brain: ${sb.records} record(s) on ${ctx.flow.source} after the freeze; declare refused`,
        checks: [check('records on the old primary after the freeze', false, sb.records, 0)],
        data: { splitBrain: sb },
      };
    const m = measure(run);
    return {
      ok: true,
      result: `${run.flow} runs on ${ctx.flow.target}: RTO ${Math.round(m.rtoMs / 100) / 10} s, RPO ${m.rpoRecords ?? '?'} record(s)`,
      checks: [check('RTO (ms)', m.rtoMs <= ctx.flow.rto, m.rtoMs, ctx.flow.rto)],
      data: { measurements: m, ...(sb ? { splitBrain: sb } : {}) },
    };
  },
};
