import { type Logger, pino } from 'pino';

/** Paths redacted from every log line, wherever they appear in the logged object. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sasl',
  '*.sasl',
  '*.*.sasl',
  'token',
  '*.token',
  'signingSecret',
  '*.signingSecret',
  'appToken',
  '*.appToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

export type { Logger };

/** The root logger. Logs go to stderr so that `--json` output on stdout stays one clean document. */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { app: 'kdr' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    pino.destination({ fd: 2, sync: true }),
  );
}
