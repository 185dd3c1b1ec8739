import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFlow } from '../config/find-flow.js';
import type { Config } from '../config/load.js';
import { formatDuration } from '../core/duration.js';
import { buildReport, type RunReport } from './report-schema.js';
import type { Run } from './types.js';

const ms = (v: number | undefined) => (v === undefined ? '-' : formatDuration(v));

/** The run's report in words: per step start, end, machine time, approval wait, checks; RTO, RPO, re-reads, split-brain. */
export function reportText(run: Run, r: RunReport): string {
  const m = run.measurements;
  const lines = [
    `# ${run.drill ? 'Drill: ' : ''}${run.mode} ${run.kind} of ${run.flow} (${run.run})`,
    '',
    `State: **${run.state}**. Verdict: **${r.verdict}** (${r.verdictWhy}). Requested by ${run.requester}; ${run.startedAt} → ${run.endedAt ?? 'open'}.`,
    '',
    `- RTO: ${ms(m.rtoMs)} against a target of ${ms(r.targets.rtoMs)} (${r.rto.basis})`,
    `- RPO: ${m.rpoRecords ?? '?'} record(s)${m.rpoWindowMs !== undefined ? `, window ${ms(m.rpoWindowMs)}` : ''} (${r.rpo.basis})`,
    `- Re-reads: ${m.rereadsPredicted ?? '?'} predicted (from the translation), ${m.rereadsObserved ?? '?'} observed (each group's last consumed record found on the target)${m.rereadsMm2 !== undefined ? `; ${m.rereadsMm2} with MM2's checkpoints alone (kdr committed proven exact offsets where it could)` : ''}${m.rereadsSaved !== undefined ? `; ${m.rereadsSaved} saved against MM2's checkpoints by kdr's stored proofs` : ''}`,
    `- Split-brain: ${run.splitBrain ? `${run.splitBrain.records} record(s) on ${run.splitBrain.partitions} partition(s)` : 'none seen'}`,
    '',
    '| step | state | started | ended | machine | waiting for people | result |',
    '|---|---|---|---|---|---|---|',
    ...run.steps.map(
      (s) =>
        `| ${s.id} | ${s.state} | ${s.startedAt ?? ''} | ${s.endedAt ?? ''} | ${ms(s.machineMs)} | ${ms(s.waitMs)} | ${(s.result ?? '').replace(/\|/g, '/').replace(/\n/g, ' ')} |`,
    ),
    '',
    '## Checks',
    ...run.steps.flatMap((s) =>
      s.checks.map(
        (c) =>
          `- ${s.id}: ${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.value ?? '-'}${c.limit !== null ? ` (limit ${c.limit})` : ''}`,
      ),
    ),
    ...(run.problems.length ? ['', '## Problems', ...run.problems.map((p) => `- ${p}`)] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** `<dataDir>/runs/<id>/report.md` and `report.json` (schemas/run-report.schema.json). */
export function writeReport(
  config: Config,
  run: Run,
): { md: string; json: string; text: string; report: RunReport } {
  const dir = join(config.dataDir, 'runs', run.run);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const report = buildReport(run, findFlow(config, run.flow));
  const text = reportText(run, report);
  const md = join(dir, 'report.md');
  const json = join(dir, 'report.json');
  writeFileSync(md, text, { mode: 0o600 });
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  return { md, json, text, report };
}
