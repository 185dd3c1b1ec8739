import type { SandboxLayout } from './layout.js';
import { pidAlive, rssBytes } from './processes.js';
import { type Component, type Injection, readState } from './state.js';

export interface SandboxComponentStatus {
  component: Component;
  running: boolean;
  pid?: number;
  endpoint?: string;
  rssMB?: number;
  log?: string;
}

export function sandboxStatus(layout: SandboxLayout): {
  kafkaVersion: string;
  components: SandboxComponentStatus[];
  totalRssMB: number;
  injected: Injection[];
} {
  const state = readState(layout);
  const components = (['primary', 'dr', 'connect', 'redis'] as const).map((c): SandboxComponentStatus => {
    const rec = state.processes[c];
    if (!rec) return { component: c, running: false };
    const running = pidAlive(rec.pid);
    return {
      component: c,
      running,
      pid: rec.pid,
      endpoint: rec.endpoint,
      log: rec.log,
      ...(running ? { rssMB: Math.round(rssBytes(rec.pid) / 2 ** 20) } : {}),
    };
  });
  const totalRssMB = components.reduce((s, c) => s + (c.rssMB ?? 0), 0);
  return { kafkaVersion: state.kafkaVersion, components, totalRssMB, injected: state.injected ?? [] };
}

export function formatSandboxStatus(s: ReturnType<typeof sandboxStatus>): string {
  const lines = [`Kafka ${s.kafkaVersion} sandbox`];
  for (const c of s.components) {
    const what = c.running
      ? `running  pid ${c.pid}  ${c.endpoint}  ${c.rssMB} MB RSS`
      : c.pid
        ? `stopped (pid ${c.pid} gone)`
        : 'not started by the sandbox';
    lines.push(`  ${c.component.padEnd(8)} ${what}`);
  }
  lines.push(`  total RSS of sandbox processes: ${s.totalRssMB} MB`);
  for (const i of s.injected)
    lines.push(
      `  injected: ${i.scenario} since ${i.at}${i.pid ? ` (pid ${i.pid})` : ''}; \`kdr sandbox heal\` undoes it`,
    );
  return lines.join('\n');
}
