import { rmSync } from 'node:fs';
import type { SandboxLayout } from './layout.js';
import { pidAlive, stopPid } from './processes.js';
import { type Component, readState, writeState } from './state.js';

/** Stops only the processes the sandbox started (by recorded PID), Connect first, then removes broker data. */
export async function sandboxDown(layout: SandboxLayout, say: (line: string) => void): Promise<void> {
  const state = readState(layout);
  const order: Component[][] = [['connect'], ['primary', 'dr'], ['redis']];
  for (const group of order) {
    await Promise.all(
      group.map(async (c) => {
        const rec = state.processes[c];
        if (!rec) return;
        // a broker stopped by `sandbox inject primary-silent` cannot act on SIGTERM until it continues
        if (pidAlive(rec.pid)) process.kill(rec.pid, 'SIGCONT');
        const how = await stopPid(rec.pid);
        say(`${c} (pid ${rec.pid}): ${how}`);
        delete state.processes[c];
      }),
    );
  }
  state.injected = [];
  rmSync(state.dataDir || layout.dataDir, { recursive: true, force: true });
  writeState(layout, state);
  say(`removed broker data in ${state.dataDir || layout.dataDir}`);
}
