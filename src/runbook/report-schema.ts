import { z } from 'zod';
import type { FlowConfig } from '../config/load.js';
import type { Run } from './types.js';

/**
 * The run report (`<dataDir>/runs/<id>/report.json`): a contract like the `--json` outputs. Its JSON Schema is
 * shipped as schemas/run-report.schema.json (`npm run schemas` writes it from this definition; a test checks
 * that the shipped file is current and that real reports validate against it).
 */
const ms = z.number().int().nonnegative();
const when = z.string().datetime();

const check = z.object({
  name: z.string(),
  pass: z.boolean(),
  value: z.union([z.string(), z.number(), z.null()]),
  limit: z.union([z.string(), z.number(), z.null()]),
});

const step = z.object({
  id: z.string(),
  state: z.enum(['pending', 'awaiting approval', 'executing', 'done', 'skipped', 'failed', 'compensated']),
  gate: z.enum(['auto', 'approval', 'confirm']),
  startedAt: when.optional(),
  endedAt: when.optional(),
  machineMs: ms.optional(),
  waitMs: ms.optional(),
  checks: z.array(check),
  result: z.string().optional(),
});

export const RUN_REPORT_SCHEMA_ID = 'kdr.run-report/v1';

export const runReportSchema = z.object({
  schema: z.literal(RUN_REPORT_SCHEMA_ID),
  run: z.string(),
  flow: z.string(),
  kind: z.enum(['failover', 'failback']),
  mode: z.enum(['planned', 'unplanned']),
  drill: z.boolean(),
  state: z.enum(['open', 'running', 'waiting', 'paused', 'completed', 'failed', 'aborting', 'aborted']),
  /** met: completed within the flow's RTO with every check passing; missed: completed outside it; incomplete. */
  verdict: z.enum(['met', 'missed', 'incomplete']),
  verdictWhy: z.string(),
  requester: z.string(),
  groups: z.array(z.string()),
  startedAt: when,
  endedAt: when.optional(),
  targets: z.object({ rtoMs: ms, rpoMs: ms }),
  rto: z.object({
    ms: ms.nullable(),
    from: when.nullable(),
    to: when.nullable(),
    basis: z.string(),
  }),
  rpo: z.object({
    records: ms.nullable(),
    windowMs: ms.nullable(),
    basis: z.string(),
    /** Unplanned: when the health check last saw the source's end offsets (writes after it are not counted). */
    lastSeenAt: when.optional(),
  }),
  rereads: z.object({
    predicted: ms.nullable(),
    observed: ms.nullable(),
    /** Planned failover with exact offsets: what MM2's checkpoints alone would have made the groups re-read. */
    withMm2: ms.optional(),
    /** Unplanned failover: re-reads saved against MM2's checkpoints by kdr's stored proofs. */
    saved: ms.optional(),
  }),
  splitBrain: z.object({ records: ms, partitions: ms }).nullable(),
  measurements: z.object({
    rtoMs: ms.optional(),
    rpoRecords: ms.optional(),
    rpoWindowMs: ms.optional(),
    rereadsPredicted: ms.optional(),
    rereadsObserved: ms.optional(),
    rereadsMm2: ms.optional(),
    rereadsSaved: ms.optional(),
  }),
  steps: z.array(step),
  problems: z.array(z.string()),
});
export type RunReport = z.infer<typeof runReportSchema>;

export const runReportJsonSchema = () => ({
  $id: 'https://kdr.dev/schemas/run-report.schema.json',
  title: 'kdr run report',
  ...z.toJSONSchema(runReportSchema),
});

function verdictOf(run: Run, flow: FlowConfig): { verdict: RunReport['verdict']; why: string } {
  if (run.state !== 'completed') return { verdict: 'incomplete', why: `the run ended ${run.state}` };
  const failed = run.steps.flatMap((s) => s.checks.filter((c) => !c.pass).map((c) => `${s.id}: ${c.name}`));
  const rto = run.measurements.rtoMs;
  if (rto !== undefined && rto > flow.rto)
    return { verdict: 'missed', why: `RTO ${rto} ms over the flow's target of ${flow.rto} ms` };
  if (run.splitBrain && run.splitBrain.records > 0)
    return { verdict: 'missed', why: `${run.splitBrain.records} split-brain record(s)` };
  if (failed.length) return { verdict: 'missed', why: `checks failed: ${failed.join(', ')}` };
  return { verdict: 'met', why: `completed within the RTO target of ${flow.rto} ms, every check passed` };
}

/** The report of a run that ended (or, read early, of one still going: verdict incomplete). */
export function buildReport(run: Run, flow: FlowConfig): RunReport {
  const m = run.measurements;
  const freeze = run.steps.find((s) => s.id === 'freeze');
  const verify = run.steps.find((s) => s.id === 'verify');
  const from = run.mode === 'planned' && freeze?.startedAt ? freeze.startedAt : run.startedAt;
  const { verdict, why } = verdictOf(run, flow);
  const loss = (run.steps.find((s) => s.id === 'assess')?.data as { loss?: { seenAt?: string } } | undefined)
    ?.loss;
  const lastSeenAt = loss?.seenAt;
  return {
    schema: RUN_REPORT_SCHEMA_ID,
    run: run.run,
    flow: run.flow,
    kind: run.kind,
    mode: run.mode,
    drill: run.drill,
    state: run.state,
    verdict,
    verdictWhy: why,
    requester: run.requester,
    groups: run.groups,
    startedAt: run.startedAt,
    ...(run.endedAt ? { endedAt: run.endedAt } : {}),
    targets: { rtoMs: flow.rto, rpoMs: flow.rpo },
    rto: {
      ms: m.rtoMs ?? null,
      from: m.rtoMs !== undefined ? from : null,
      to: m.rtoMs !== undefined ? (verify?.endedAt ?? null) : null,
      basis:
        run.mode === 'planned'
          ? 'from the start of the freeze (writes stop) to the end of verify (consumption verified on the target)'
          : 'from the opening of the run to the end of verify (consumption verified on the target)',
    },
    rpo: {
      records: m.rpoRecords ?? null,
      windowMs: m.rpoWindowMs ?? null,
      ...(lastSeenAt ? { lastSeenAt } : {}),
      basis:
        run.mode === 'planned'
          ? 'records of the frozen ends not replicated when the flow was fenced (0 after a full drain)'
          : "a lower bound: source end offsets the health check last saw minus MM2's stored positions; records written after that sight are not counted; the window is the heartbeat age at assess",
    },
    rereads: {
      predicted: m.rereadsPredicted ?? null,
      observed: m.rereadsObserved ?? null,
      ...(m.rereadsMm2 !== undefined ? { withMm2: m.rereadsMm2 } : {}),
      ...(m.rereadsSaved !== undefined ? { saved: m.rereadsSaved } : {}),
    },
    splitBrain: run.splitBrain,
    measurements: m,
    steps: run.steps.map((s) => ({
      id: s.id,
      state: s.state,
      gate: s.gate,
      ...(s.startedAt ? { startedAt: s.startedAt } : {}),
      ...(s.endedAt ? { endedAt: s.endedAt } : {}),
      ...(s.machineMs !== undefined ? { machineMs: s.machineMs } : {}),
      ...(s.waitMs !== undefined ? { waitMs: s.waitMs } : {}),
      checks: s.checks,
      ...(s.result !== undefined ? { result: s.result } : {}),
    })),
    problems: run.problems,
  };
}
