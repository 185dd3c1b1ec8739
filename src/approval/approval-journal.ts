import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredPlan } from './plan-store-port.js';

/**
 * Approvals written outside Redis (`<dataDir>/approvals/<prefix>/<plan>.json`, on the volume every kdr process of the installation shares): an
 * approval that a Redis master switch took back (asynchronous replication) would otherwise leave an approved plan
 * pending, or gone, with nobody to notice. The worker's sweeper compares each entry with Redis and puts the approval
 * back (see sweeper.ts); an entry is dropped once Redis shows the plan past its approval.
 */
export class ApprovalJournal {
  constructor(readonly dir: string) {}

  record(plan: StoredPlan): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${plan.id}.json`);
    writeFileSync(`${path}.tmp`, JSON.stringify(plan), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  entries(): StoredPlan[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names.flatMap((n) => {
      try {
        return [JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as StoredPlan];
      } catch {
        return [];
      }
    });
  }

  forget(id: string): void {
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }
}
