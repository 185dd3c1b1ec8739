import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLayout } from './layout.js';

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
