import type { RunStep } from '../step.js';
import { cutover, registry } from '../steps/cutover.js';
import { fence } from '../steps/fence.js';
import { drain, freeze } from '../steps/freeze-drain.js';
import { declare, verify } from '../steps/verify-declare.js';
import { failbackAssess } from './assess.js';
import { failbackOffsets } from './offsets.js';
import { rebuild } from './rebuild.js';
import { restore } from './restore.js';
import { resync, reverse } from './reverse.js';

/**
 * The failback runbook (RUNBOOK.md "Failback"): its own assess, the rebuild of topics with orphaned writes
 * (`--orphans rebuild` only), the reverse flow and its catch-up, then the failover's
 * steps with the roles swapped (the engine hands them the reversed flow), its own offsets, and forward replication
 * restored before the figures are declared.
 */
export const FAILBACK_STEPS: RunStep[] = [
  failbackAssess,
  rebuild,
  reverse,
  resync,
  freeze,
  drain,
  fence,
  failbackOffsets,
  cutover,
  registry,
  verify,
  restore,
  declare,
];
