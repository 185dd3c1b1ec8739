import type { DriftReport } from '../backup/drift.js';
import type { Block, View } from '../core/command.js';

export interface DriftResult {
  reports: DriftReport[];
}

const SHOWN = 15;

function summaryOf(r: DriftReport): string {
  if (!r.items.length)
    return `${r.flow} (${r.source} → ${r.target}): no drift across ${r.comparedTopics} mirrored topic(s)`;
  const kinds = new Map<string, number>();
  for (const i of r.items) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
  return `${r.flow} (${r.source} → ${r.target}): ${r.items.length} difference(s) (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}) across ${r.comparedTopics} mirrored topic(s)`;
}

function reportText(r: DriftReport, limit: number): string {
  const lines = [summaryOf(r)];
  for (const i of r.items.slice(0, limit)) lines.push(`  DRIFT ${i.kind}: ${i.text}`);
  if (r.items.length > limit)
    lines.push(`  … and ${r.items.length - limit} more (full list in the attached file)`);
  for (const g of r.ignored)
    lines.push(`  ignored ${g.count} by rule ${g.rule} (${g.why}), e.g. ${g.examples.join('; ')}`);
  for (const n of r.notCompared) lines.push(`  not compared: ${n}`);
  return lines.join('\n');
}

const text = (d: DriftResult, limit = Number.POSITIVE_INFINITY) =>
  d.reports.map((r) => reportText(r, limit)).join('\n\n');

export const driftView: View<DriftResult> = {
  text: (d) => text(d),
  summary: (d) => d.reports.map(summaryOf).join('; '),
  blocks: (d): Block[] => [
    { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${text(d, SHOWN).slice(0, 2900)}\`\`\`` } },
  ],
  attachment: (d) =>
    d.reports.some((r) => r.items.length > SHOWN || r.ignored.length)
      ? {
          filename: 'kdr-drift.txt',
          title: 'kdr drift, full detail',
          content: `${text(d)}\n\n${JSON.stringify(d.reports, null, 1)}`,
        }
      : undefined,
};
