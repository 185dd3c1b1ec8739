/**
 * One error type for the whole of kdr: a stable code, a hint a human can act on, and whether retrying
 * makes sense (default false: in DR an unknown failure stops and asks, it does not retry blindly).
 */
export class KdrError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly retriable: boolean;

  constructor(
    code: string,
    message: string,
    opts: { hint?: string; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KdrError';
    this.code = code;
    this.hint = opts.hint ?? '';
    this.retriable = opts.retriable ?? false;
  }
}

/** Wraps anything thrown into a KdrError, keeping the original as `cause`. */
export function asKdrError(err: unknown, code = 'KDR_INTERNAL'): KdrError {
  if (err instanceof KdrError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KdrError(code, message, {
    cause: err,
    hint: 'This is unexpected; check the kdr logs for details.',
  });
}

/** Usage errors (bad flags, unknown sub-command) exit with code 2 in the CLI. */
export const USAGE_CODES = new Set([
  'KDR_USAGE',
  'KDR_CONFIG',
  'KDR_CONFIG_ENV',
  'KDR_UNKNOWN_FLOW',
  'KDR_UNKNOWN_GROUP',
  'KDR_UNKNOWN_CLUSTER',
  'KDR_NO_SUCH_BACKUP',
]);
