import type { GroupStatus } from './group-window.js';
import type { Level } from './verdict.js';

export type AlertKind = 'warn' | 'breach' | 'unknown' | 'recovered' | 'group' | 'group-recovered';

/**
 * Alerts fire on transitions only: →warn (not when improving from breach), →breach, →unknown, and →ok
 * ("recovered") after anything worse. The very first check alerts only if it is not ok.
 */
export function flowAlertKind(prev: Level | undefined, next: Level): AlertKind | null {
  if (prev === next) return null;
  if (next === 'breach') return 'breach';
  if (next === 'warn') return prev === 'breach' ? null : 'warn';
  if (next === 'unknown') return 'unknown';
  return prev === undefined ? null : 'recovered';
}

const BAD: GroupStatus[] = ['WARN', 'STALL', 'STOP', 'REWIND'];

export function groupAlertKind(prev: GroupStatus | undefined, next: GroupStatus): AlertKind | null {
  if (prev === next || next === 'NO_HISTORY') return null;
  if (BAD.includes(next)) return 'group';
  return prev && BAD.includes(prev) ? 'group-recovered' : null;
}
