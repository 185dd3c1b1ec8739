import { table } from '../render/table.js';
import type { GroupOffsets, OffsetsBody } from './offsets-types.js';

const num = (v: number | null) => (v === null ? '-' : String(v));

/** The offsets plan in words: per group the offsets written, then the groups refused (why) and those already done. */
export function offsetsPlanText(b: OffsetsBody, hash: string): string {
  const partitions = b.groups.reduce((n, g) => n + g.changes.length, 0);
  const lines = [
    `plan sha256 ${hash.slice(0, 12)}: commit offsets of ${b.groups.length === 1 ? `group ${b.groups[0]!.group}` : `${b.groups.length} group(s)`} (${partitions} partition(s)) on ${b.cluster} (${b.direction}, flow ${b.flow})`,
  ];
  const exact = b.groups.some((g) => g.rereads || g.stored);
  if (b.groups.some((g) => g.rereads)) lines.push(...rereadsTable(b));
  if (b.groups.some((g) => g.stored)) lines.push(...storedTable(b));
  if (b.groups.length)
    lines.push(
      table(
        ['group', 'topic', 'p', 'from', 'to', ...(exact ? ['by', 'MM2'] : [])],
        b.groups.flatMap((g) =>
          g.changes.map((c) => [
            g.group,
            c.topic,
            String(c.partition),
            num(c.from),
            String(c.to),
            ...(exact ? [c.by === 'kdr' ? 'kdr' : 'MM2', num(c.mm2 ?? null)] : []),
          ]),
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

/** Per group: re-reads after failover with MM2's checkpoints alone and with kdr's proven offsets. */
function rereadsTable(b: OffsetsBody): string[] {
  const rows = b.groups.filter((g) => g.rereads);
  const sum = (f: (r: NonNullable<GroupOffsets['rereads']>) => number) =>
    rows.reduce((n, g) => n + f(g.rereads!), 0);
  const mm2 = (r: NonNullable<GroupOffsets['rereads']>) =>
    `${r.mm2}${r.noCheckpoint ? ` (+${r.noCheckpoint} p. without a checkpoint)` : ''}`;
  return [
    `re-reads after failover: ${sum((r) => r.mm2)} with MM2's checkpoints, ${sum((r) => r.kdr)} with kdr's (${sum((r) => r.proven)} of ${sum((r) => r.partitions)} partition(s) proven record by record; the others keep MM2's figure)`,
    table(
      ['group', 'partitions', 'proven', 're-reads with MM2', 'with kdr'],
      rows.map((g) => [
        g.group,
        String(g.rereads!.partitions),
        String(g.rereads!.proven),
        mm2(g.rereads!),
        String(g.rereads!.kdr),
      ]),
    ),
  ];
}

/** Unplanned: per group, the partitions taken from kdr's stored proofs and the re-reads that saves against MM2. */
function storedTable(b: OffsetsBody): string[] {
  const rows = b.groups.filter((g) => g.stored);
  const saved = rows.reduce((n, g) => n + g.stored!.saved, 0);
  const from = rows.reduce((n, g) => n + g.stored!.fromProofs, 0);
  const all = rows.reduce((n, g) => n + g.stored!.partitions, 0);
  return [
    `the source is gone: ${from} of ${all} partition(s) resume from kdr's stored proofs, ${saved} re-read(s) saved against MM2's checkpoints (what the groups consumed after the proofs is read again, as with MM2)`,
    table(
      ['group', 'partitions', 'from proofs', 're-reads saved'],
      rows.map((g) => [
        g.group,
        String(g.stored!.partitions),
        String(g.stored!.fromProofs),
        String(g.stored!.saved),
      ]),
    ),
  ];
}
