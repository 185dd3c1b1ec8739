import { hostname, userInfo } from 'node:os';
import type { AuditActor } from '../audit/audit-log.js';

/** The CLI is the break-glass path: its entries say so. */
export function cliActor(via: string): AuditActor {
  return { transport: 'cli', user: `cli:${userInfo().username}@${hostname()}`, via: `${via}, break-glass` };
}
