import type { Ports } from '../../src/pipeline/ports.js';
import { MemoryLocks } from './memory-locks.js';
import { MemoryPlanStore } from './memory-plan-store.js';
import { MemoryAudit, MemoryOffsets, MemoryProgress } from './memory-stores.js';

export interface FakePorts extends Ports {
  plans: MemoryPlanStore;
  locks: MemoryLocks;
  audit: MemoryAudit;
  progress: MemoryProgress;
  offsets: MemoryOffsets;
}

/** Every port in memory: for unit tests of the pipeline and the runbook engine (no sandbox). */
export function fakePorts(now: () => number = Date.now): FakePorts {
  return {
    plans: new MemoryPlanStore(),
    locks: new MemoryLocks(now),
    audit: new MemoryAudit(),
    progress: new MemoryProgress(),
    offsets: new MemoryOffsets(),
  };
}
