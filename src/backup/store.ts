import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';
import { type Manifest, parseManifest } from './manifest.js';

export interface BackupEntry {
  id: string;
  cluster: string;
  createdAt: string;
  bytes: number;
  topics: number;
  acls: number;
  groups: number;
  skipped: number;
  /** "ok", or why the file cannot be restored (checksum, version, damage). */
  verdict: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Manifests as files named `<id>.json` (ids sort by time within a cluster), written atomically, pruned per cluster. */
export class BackupStore {
  readonly dir: string;

  constructor(config: Config) {
    this.dir = config.backup.dir ?? join(config.dataDir, 'backups');
  }

  pathOf(id: string): string {
    if (!ID.test(id))
      throw new KdrError('KDR_USAGE', `"${id}" is not a backup id`, {
        hint: 'ids are listed by `kdr backups`',
      });
    return join(this.dir, `${id}.json`);
  }

  async save(m: Manifest, retain: number): Promise<{ path: string; pruned: string[]; bytes: number }> {
    await mkdir(this.dir, { recursive: true });
    const path = this.pathOf(m.id);
    const tmp = `${path}.${process.pid}.tmp`;
    const text = `${JSON.stringify(m, null, 1)}\n`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, path);
    const mine = (await this.ids()).filter(
      (id) => id.startsWith(`${m.cluster.name}-`) && /-\d{8}T\d{9}Z$/.test(id),
    );
    const pruned = mine.slice(0, Math.max(0, mine.length - retain));
    for (const id of pruned) await unlink(this.pathOf(id)).catch(() => undefined);
    return { path, pruned, bytes: Buffer.byteLength(text) };
  }

  private async ids(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -5))
      .sort();
  }

  async load(id: string): Promise<Manifest> {
    const path = this.pathOf(id);
    const text = await readFile(path, 'utf8').catch(() => {
      throw new KdrError('KDR_NO_SUCH_BACKUP', `no backup ${id} in ${this.dir}`, {
        hint: 'list them with `kdr backups`',
      });
    });
    return parseManifest(text, `backup ${id}`);
  }

  async list(cluster?: string): Promise<BackupEntry[]> {
    const out: BackupEntry[] = [];
    for (const id of await this.ids()) {
      const path = this.pathOf(id);
      const bytes = (await stat(path)).size;
      try {
        const m = parseManifest(await readFile(path, 'utf8'), id);
        if (cluster && m.cluster.name !== cluster) continue;
        out.push({
          id,
          cluster: m.cluster.name,
          createdAt: m.createdAt,
          bytes,
          topics: m.content.topics.length,
          acls: m.content.acls.length,
          groups: m.content.groups.length,
          skipped: m.content.skipped.length,
          verdict: 'ok',
        });
      } catch (err) {
        if (cluster && !id.startsWith(`${cluster}-`)) continue;
        out.push({
          id,
          cluster: '?',
          createdAt: '?',
          bytes,
          topics: 0,
          acls: 0,
          groups: 0,
          skipped: 0,
          verdict: `unusable: ${(err as Error).message}`,
        });
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }
}
