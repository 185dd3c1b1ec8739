import { randomUUID } from 'node:crypto';
/** The closed set of error codes: scripts match on them (`--json` prints `error.code`), so they are a contract. */
export const ERROR_CODES = [
  'KDR_USAGE',
  'KDR_CONFIG',
  'KDR_CONFIG_ENV',
  'KDR_UNKNOWN_FLOW',
  'KDR_UNKNOWN_GROUP',
  'KDR_UNKNOWN_CLUSTER',
  'KDR_NO_SUCH_BACKUP',
  'KDR_NO_SUCH_LOCK',
  'KDR_NEEDS_APPROVAL',
  'KDR_ABORTED',
  'KDR_LOCKED',
  'KDR_LOCK_CHANGED',
  'KDR_LOCK_LOST',
  'KDR_PLAN_CHANGED',
  'KDR_VERIFY_FAILED',
  'KDR_REFUSED',
  'KDR_GROUP_ACTIVE',
  'KDR_BEYOND_END',
  'KDR_WOULD_REWIND',
  'KDR_STALE_CHECKPOINTS',
  'KDR_NOTHING_TO_TRANSLATE',
  'KDR_INDEX_STALE',
  'KDR_OFFSET_COMMIT',
  'KDR_KAFKA',
  'KDR_CLUSTER_UNREACHABLE',
  'KDR_WRONG_CLUSTER',
  'KDR_TIMEOUT',
  'KDR_ACLS_UNAVAILABLE',
  'KDR_BAD_ACL',
  'KDR_CONNECT_REJECTED',
  'KDR_CONNECT_UNREACHABLE',
  'KDR_CONNECT_OFFSETS',
  'KDR_CONNECT_NOT_READY',
  'KDR_MANIFEST_INVALID',
  'KDR_MANIFEST_VERSION',
  'KDR_MANIFEST_CHECKSUM',
  'KDR_NO_SUCH_RUN',
  'KDR_RUN_ACTIVE',
  'KDR_RUN_STATE',
  'KDR_HOOK_FAILED',
  'KDR_REDIS',
  'KDR_REDIS_POLICY',
  'KDR_QUEUE_UNAVAILABLE',
  'KDR_SLACK_API',
  'KDR_INTERNAL',
  'KDR_SANDBOX',
  'KDR_SANDBOX_JARS',
  'KDR_SANDBOX_VERSION',
  'KDR_SANDBOX_REDIS',
  'KDR_SANDBOX_PORT',
  'KDR_SANDBOX_FORMAT',
  'KDR_SANDBOX_DOWN',
  'KDR_FAILBACK_UNSUPPORTED',
  'KDR_NOT_FAILED_OVER',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * One error type for the whole of kdr: a stable code, a hint a human can act on, and whether retrying
 * makes sense (default false: in DR an unknown failure stops and asks, it does not retry blindly).
 */
export class KdrError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly retriable: boolean;

  constructor(
    code: ErrorCode,
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
export function asKdrError(err: unknown, code: ErrorCode = 'KDR_INTERNAL'): KdrError {
  if (err instanceof KdrError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KdrError(code, message, {
    cause: err,
    hint: 'This is unexpected; check the kdr logs for details.',
  });
}

/**
 * What a channel, a plan's result or the audit trail may show of an error: an internal one (a bug, an unexpected
 * library error) becomes a reference to the log line that has the details (`detail`: log it with the reference).
 */
export function summarizeInternal(e: KdrError): { error: KdrError; detail?: Record<string, unknown> } {
  if (e.code !== 'KDR_INTERNAL') return { error: e };
  const ref = randomUUID().slice(0, 8);
  return {
    error: new KdrError(
      'KDR_INTERNAL',
      `kdr hit an internal error (reference ${ref}); nothing more was done`,
      {
        hint: `the kdr log has the details under ref ${ref}; retry, and report it if it happens again`,
        retriable: e.retriable,
      },
    ),
    detail: { ref, stack: (e.cause as Error | undefined)?.stack ?? e.stack },
  };
}

/** Refusals: kdr looked and decided not to act (a result with a reason and what to do), not a failure. */
export const REFUSAL_CODES = new Set<ErrorCode>([
  'KDR_REFUSED',
  'KDR_RUN_ACTIVE',
  'KDR_RUN_STATE',
  'KDR_LOCKED',
  'KDR_LOCK_CHANGED',
  'KDR_PLAN_CHANGED',
  'KDR_NEEDS_APPROVAL',
  'KDR_ABORTED',
  'KDR_GROUP_ACTIVE',
  'KDR_BEYOND_END',
  'KDR_WOULD_REWIND',
  'KDR_STALE_CHECKPOINTS',
  'KDR_NOTHING_TO_TRANSLATE',
]);

/** Usage errors (bad flags, unknown sub-command) exit with code 2 in the CLI. */
export const USAGE_CODES = new Set<string>([
  'KDR_USAGE',
  'KDR_CONFIG',
  'KDR_CONFIG_ENV',
  'KDR_UNKNOWN_FLOW',
  'KDR_UNKNOWN_GROUP',
  'KDR_UNKNOWN_CLUSTER',
  'KDR_NO_SUCH_BACKUP',
]);
