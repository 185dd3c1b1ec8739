import {
  lockContract,
  offsetsContract,
  planStoreContract,
  progressContract,
} from '../contract/ports.contract.js';
import { MemoryLocks } from '../fakes/memory-locks.js';
import { MemoryPlanStore } from '../fakes/memory-plan-store.js';
import { MemoryOffsets, MemoryProgress } from '../fakes/memory-stores.js';

planStoreContract('memory fake', async () => new MemoryPlanStore());
lockContract('memory fake', async () => new MemoryLocks());
progressContract('memory fake', async () => new MemoryProgress());
offsetsContract('memory fake', async () => ({ port: new MemoryOffsets(), cluster: 'dr', topic: 't' }));
