import type { BackupResult } from '../backup/run-backup.js';
import type { BackupEntry } from '../backup/store.js';
import type { Block, View } from '../core/command.js';
import { formatDuration } from '../core/duration.js';
import { table } from './table.js';

const code = (s: string): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: `\`\`\`${s.slice(0, 2900)}\`\`\`` },
});

function counts(r: BackupResult): string {
  const c = r.manifest.content;
  return `${c.topics.length} topics, ${c.acls.length} ACLs, ${c.groups.length} groups with offsets, ${c.brokers.length} broker config sets, ${c.schemas ? `${c.schemas.records.length} schema registry records` : 'no schema registry records'}`;
}

function backupText(r: BackupResult): string {
  const m = r.manifest;
  const lines = [
    `backup ${m.id} of ${m.cluster.name} (cluster id ${m.cluster.clusterId}) in ${formatDuration(r.durationMs)}`,
    counts(r),
    `stored ${r.path} (${(r.bytes / 1024).toFixed(1)} KiB, ${m.checksum.slice(0, 19)}…)${r.pruned.length ? `; pruned ${r.pruned.length} older backup(s) beyond backup.retain` : ''}`,
  ];
  if (m.content.skipped.length)
    lines.push('skipped:', ...m.content.skipped.map((s) => `  ${s.part}: ${s.reason}`));
  return lines.join('\n');
}

export const backupView: View<BackupResult> = {
  text: backupText,
  summary: (r) =>
    `backup ${r.manifest.id}: ${counts(r)}${r.manifest.content.skipped.length ? `; ${r.manifest.content.skipped.length} part(s) skipped` : ''}`,
  blocks: (r) => [code(backupText(r))],
  attachment: (r) => ({
    filename: `${r.manifest.id}.json`,
    title: `kdr backup ${r.manifest.id}`,
    content: `${JSON.stringify(r.manifest, null, 1)}\n`,
  }),
};

function listText(entries: BackupEntry[]): string {
  if (!entries.length) return 'no backups yet: take one with `kdr backup <cluster>`';
  return table(
    ['id', 'cluster', 'taken', 'topics', 'ACLs', 'groups', 'skipped', 'size', 'state'],
    entries.map((e) => [
      e.id,
      e.cluster,
      e.createdAt,
      String(e.topics),
      String(e.acls),
      String(e.groups),
      String(e.skipped),
      `${(e.bytes / 1024).toFixed(1)} KiB`,
      e.verdict,
    ]),
  );
}

export const backupsView: View<{ dir: string; entries: BackupEntry[] }> = {
  text: (r) => `${listText(r.entries)}\n(in ${r.dir})`,
  summary: (r) => `${r.entries.length} backup(s)`,
  blocks: (r) => [code(listText(r.entries))],
};
