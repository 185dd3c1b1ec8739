import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLayout } from './layout.js';

/** A disaster `kdr sandbox inject` caused (see SCENARIOS in inject.ts). */
export interface Injection {
  scenario: 'primary-dead' | 'primary-silent' | 'mm2-down' | 'lag';
  at: string;
  /** The process it signalled, where it signalled one. */
  pid?: number;
}

export type Component = 'primary' | 'dr' | 'connect' | 'redis';

export interface ProcessRecord {
  pid: number;
  startedAt: string;
  log: string;
  endpoint: string;
}

export interface SandboxState {
  kafkaVersion: string;
  dataDir: string;
  processes: Partial<Record<Component, ProcessRecord>>;
  /** Disasters `kdr sandbox inject` caused and `kdr sandbox heal` has not undone yet. */
  injected?: Injection[];
}

const file = (layout: SandboxLayout) => join(layout.stateDir, 'state.json');

export function readState(layout: SandboxLayout): SandboxState {
  if (!existsSync(file(layout)))
    return { kafkaVersion: layout.kafkaVersion, dataDir: layout.dataDir, processes: {} };
  return JSON.parse(readFileSync(file(layout), 'utf8')) as SandboxState;
}

export function writeState(layout: SandboxLayout, state: SandboxState): void {
  mkdirSync(layout.stateDir, { recursive: true });
  writeFileSync(file(layout), `${JSON.stringify(state, null, 2)}\n`);
}
