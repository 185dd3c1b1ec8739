import type { AnyCommand } from '../src/core/command.js';
import { CommandRegistry } from '../src/core/registry.js';
import { abort } from './abort.js';
import { audit } from './audit.js';
import { backup } from './backup.js';
import { backups } from './backups.js';
import { drift } from './drift.js';
import { failback } from './failback.js';
import { failover } from './failover.js';
import { help } from './help.js';
import { lag } from './lag.js';
import { restore } from './restore.js';
import { runbook } from './runbook.js';
import { status } from './status.js';
import { translate } from './translate.js';
import { unlock } from './unlock.js';

/** Every `/kdr` and `kdr` sub-command, in the order `help` lists them. */
export const COMMANDS: AnyCommand[] = [
  help,
  status,
  lag,
  translate,
  backup,
  backups,
  restore,
  drift,
  failover,
  failback,
  runbook,
  abort,
  audit,
  unlock,
];

/** Built here, handed down by the entry points (src/bin): nothing below imports it back. */
export const REGISTRY = new CommandRegistry(COMMANDS);
