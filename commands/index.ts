import type { AnyCommand } from '../src/core/command.js';
import { audit } from './audit.js';
import { backup } from './backup.js';
import { backups } from './backups.js';
import { drift } from './drift.js';
import { help } from './help.js';
import { lag } from './lag.js';
import { restore } from './restore.js';
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
  audit,
  unlock,
];

export function findCommand(name: string): AnyCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
