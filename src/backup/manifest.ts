import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KdrError } from '../core/errors.js';
import {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  CONFIG_SOURCES,
} from '../kafka/metadata-types.js';

export const MANIFEST_FORMAT = 'kdr.backup';
export const MANIFEST_VERSION = 1;
export const PARTS = ['topics', 'configs', 'acls', 'groups', 'brokers', 'schemas'] as const;
export type Part = (typeof PARTS)[number];

const configValue = z.strictObject({
  value: z.string().nullable(),
  source: z.enum(CONFIG_SOURCES),
  sensitive: z.boolean(),
});
const configs = z.record(z.string(), configValue);

export const contentSchema = z.strictObject({
  topics: z.array(
    z.strictObject({
      name: z.string().min(1),
      partitions: z.number().int().positive(),
      replicationFactor: z.number().int().min(0),
      configs,
    }),
  ),
  acls: z.array(
    z.strictObject({
      resourceType: z.enum(ACL_RESOURCE_TYPES),
      resourceName: z.string(),
      patternType: z.enum(ACL_PATTERN_TYPES),
      principal: z.string(),
      host: z.string(),
      operation: z.enum(ACL_OPERATIONS),
      permission: z.enum(ACL_PERMISSIONS),
    }),
  ),
  groups: z.array(
    z.strictObject({
      groupId: z.string().min(1),
      state: z.string(),
      offsets: z.array(
        z.strictObject({
          topic: z.string(),
          partition: z.number().int().min(0),
          offset: z.string().regex(/^\d+$/),
        }),
      ),
    }),
  ),
  brokers: z.array(z.strictObject({ broker: z.string(), configs })),
  /** A raw dump of the schema registry's storage topic: latest record per key, in log order. */
  schemas: z
    .strictObject({
      topic: z.string(),
      partitions: z.number().int().positive(),
      records: z.array(
        z.strictObject({
          partition: z.number().int().min(0),
          offset: z.string(),
          key: z.string().nullable(),
          value: z.string().nullable(),
        }),
      ),
    })
    .optional(),
  /** What could not be read, and why: a backup never pretends. */
  skipped: z.array(z.strictObject({ part: z.string(), reason: z.string() })),
});

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.number().int(),
  id: z.string().min(1),
  cluster: z.strictObject({ name: z.string(), clusterId: z.string() }),
  createdAt: z.string(),
  kdrVersion: z.string(),
  /** Filters the backup was taken with (a restore can only restore what was taken). */
  scope: z.strictObject({ topics: z.string(), parts: z.array(z.enum(PARTS)) }),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  content: contentSchema,
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestContent = z.infer<typeof contentSchema>;

/** JSON with object keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Covers everything but the checksum field itself: id, cluster, time and scope cannot be edited either. */
export function checksumOf(m: Omit<Manifest, 'checksum'>): string {
  const { checksum: _ignored, ...rest } = m as Manifest;
  return `sha256:${createHash('sha256').update(canonicalJson(rest)).digest('hex')}`;
}

let version: string | undefined;
/** kdr's package version, from the nearest package.json above this file (src/ under tsx, dist/src/ when built). */
export function kdrVersion(): string {
  if (!version) {
    for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
      const candidate = join(dir, 'package.json');
      if (existsSync(candidate)) {
        version = (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
        break;
      }
      if (dirname(dir) === dir) {
        version = 'unknown';
        break;
      }
    }
  }
  return version;
}

/**
 * Parses and verifies a manifest: JSON, format, a version this kdr reads, the schema, the checksum. Each
 * failure is refused with what is wrong and what to do.
 */
export function parseManifest(text: string, source: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new KdrError('KDR_MANIFEST_INVALID', `${source} is not JSON: ${(err as Error).message}`, {
      hint: 'the file is damaged; use another backup (`kdr backups`)',
    });
  }
  const head = raw as { format?: unknown; version?: unknown };
  if (head?.format !== MANIFEST_FORMAT)
    throw new KdrError(
      'KDR_MANIFEST_INVALID',
      `${source} is not a kdr backup (format ${JSON.stringify(head?.format)})`,
      {
        hint: `expected "format": "${MANIFEST_FORMAT}"`,
      },
    );
  if (head.version !== MANIFEST_VERSION)
    throw new KdrError(
      'KDR_MANIFEST_VERSION',
      `${source} has manifest version ${JSON.stringify(head.version)}; this kdr reads version ${MANIFEST_VERSION}`,
      { hint: 'restore it with the kdr release that wrote it (its kdrVersion field), or take a new backup' },
    );
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KdrError(
      'KDR_MANIFEST_INVALID',
      `${source} does not match the manifest schema at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { hint: 'the file was edited or damaged; use another backup' },
    );
  }
  const expected = checksumOf(parsed.data);
  if (expected !== parsed.data.checksum)
    throw new KdrError(
      'KDR_MANIFEST_CHECKSUM',
      `${source}: checksum mismatch (content is ${expected.slice(0, 19)}…, manifest says ${parsed.data.checksum.slice(0, 19)}…)`,
      {
        hint: 'the manifest was modified after it was written; nothing was restored. Use another backup',
      },
    );
  return parsed.data;
}
