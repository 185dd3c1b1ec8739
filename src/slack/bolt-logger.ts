import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../core/logger.js';

/** Bolt's Logger interface on top of kdr's pino logger (so Bolt's lines are structured and redacted too). */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const fmt = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ');
  return {
    // Bolt logs several debug lines per request: format them only when they will be written
    debug: (...m) => {
      if (child.isLevelEnabled('debug')) child.debug(fmt(m));
    },
    info: (...m) => {
      if (child.isLevelEnabled('info')) child.info(fmt(m));
    },
    warn: (...m) => child.warn(fmt(m)),
    error: (...m) => child.error(fmt(m)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
