import { KdrError } from '../core/errors.js';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` (and `${VAR:-default}`) in every string of a parsed config tree.
 * A variable that is not set and has no default stops loading with the variable and field named.
 */
export function substituteEnv(
  node: unknown,
  env: Record<string, string | undefined>,
  path: string[] = [],
): unknown {
  if (typeof node === 'string') {
    return node.replace(VAR, (_, varName: string, fallback: string | undefined) => {
      const value = env[varName];
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      throw new KdrError(
        'KDR_CONFIG_ENV',
        `${formatPath(path)}: environment variable ${varName} is not set`,
        {
          hint: `export ${varName}=... before starting kdr, or write \${${varName}:-default} in the config`,
        },
      );
    });
  }
  if (Array.isArray(node)) return node.map((v, i) => substituteEnv(v, env, [...path, String(i)]));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substituteEnv(v, env, [...path, k])]));
  }
  return node;
}

/** `flows.0.source` → `flows[0].source` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) =>
      typeof p === 'number' || /^\d+$/.test(String(p))
        ? `[${String(p)}]`
        : i === 0
          ? String(p)
          : `.${String(p)}`,
    )
    .join('');
}
