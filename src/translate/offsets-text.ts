import { table } from '../render/table.js';
import type { OffsetsBody } from './offsets-types.js';

const num = (v: number | null) => (v === null ? '-' : String(v));

/** The offsets plan in words: per group the offsets written, then the groups refused (why) and those already done. */
export function offsetsPlanText(b: OffsetsBody, hash: string): string {
  const partitions = b.groups.reduce((n, g) => n + g.changes.length, 0);
  const lines = [
    `plan sha256 ${hash.slice(0, 12)}: commit offsets of ${b.groups.length === 1 ? `group ${b.groups[0]!.group}` : `${b.groups.length} group(s)`} (${partitions} partition(s)) on ${b.cluster} (${b.direction}, flow ${b.flow})`,
  ];
  if (b.groups.length)
    lines.push(
      table(
        ['group', 'topic', 'p', 'from', 'to'],
        b.groups.flatMap((g) =>
          g.changes.map((c) => [g.group, c.topic, String(c.partition), num(c.from), String(c.to)]),
        ),
      ),
    );
  for (const g of b.groups)
    for (const s of g.skipped) lines.push(`left alone: ${g.group} ${s.topic}-${s.partition}: ${s.reason}`);
  if (b.refused.length) {
    lines.push(`refused, not written (${b.refused.length}):`);
    for (const r of b.refused)
      lines.push(`  ${r.group}: ${r.refusals.map((x) => `${x.message} (${x.hint})`).join('; ')}`);
  }
  if (b.unchanged.length)
    lines.push(`already at the translated offsets (${b.unchanged.length}): ${b.unchanged.join(', ')}`);
  return lines.join('\n');
}
