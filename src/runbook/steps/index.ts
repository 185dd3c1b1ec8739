import type { RunStep } from '../step.js';
import type { StepId } from '../types.js';
import { assess } from './assess.js';
import { cutover, registry } from './cutover.js';
import { fence } from './fence.js';
import { drain, freeze } from './freeze-drain.js';
import { offsets } from './offsets.js';
import { declare, verify } from './verify-declare.js';

/** The failover runbook, in order (RUNBOOK.md); `open` is done when the run is created. */
export const FAILOVER_STEPS: RunStep[] = [
  assess,
  freeze,
  drain,
  fence,
  offsets,
  cutover,
  registry,
  verify,
  declare,
];

export const STEP_IDS: StepId[] = ['open', ...FAILOVER_STEPS.map((s) => s.id)];
