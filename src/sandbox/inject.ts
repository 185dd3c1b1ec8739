import { KdrError } from '../core/errors.js';
import { ConnectRest } from '../mm2/connect-rest.js';
import { SANDBOX_CONNECTORS } from './connectors.js';
import type { SandboxLayout } from './layout.js';
import { pidAlive, portOpen, waitFor } from './processes.js';
import { type Component, type Injection, readState, writeState } from './state.js';

/** The disasters `kdr sandbox inject` can cause, and what each does to the sandbox's processes. */
export const SCENARIOS = {
  'primary-dead': 'SIGKILL the primary broker (nothing flushed, connections refused)',
  'primary-silent': 'SIGSTOP the primary broker (TCP still accepts, every request times out)',
  'mm2-down': 'SIGKILL the Connect worker running MirrorMaker 2',
  lag: 'pause the MirrorSourceConnector: records written to primary pile up unreplicated',
} as const satisfies Record<Injection['scenario'], string>;
export type Scenario = Injection['scenario'];

const portOf = (layout: SandboxLayout, c: Component) =>
  c === 'connect' ? layout.ports.connect : c === 'redis' ? layout.ports.redis : layout.ports[c];

const isPaused = (s: { state: string; tasks: Array<{ state: string }> }) =>
  s.state === 'PAUSED' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'PAUSED');

const isScenario = (s: string): s is Scenario => Object.hasOwn(SCENARIOS, s);

const target = (s: Scenario): Component | undefined =>
  s === 'primary-dead' || s === 'primary-silent' ? 'primary' : s === 'mm2-down' ? 'connect' : undefined;

/** Causes one disaster and records it in the sandbox state (heal undoes what is recorded). */
export async function inject(layout: SandboxLayout, name: string): Promise<Injection> {
  if (!isScenario(name))
    throw new KdrError('KDR_USAGE', `no scenario ${name}`, {
      hint: `scenarios: ${Object.keys(SCENARIOS).join(', ')}`,
    });
  const state = readState(layout);
  const already = (state.injected ?? []).find((i) => i.scenario === name);
  if (already)
    throw new KdrError('KDR_SANDBOX', `${name} is already injected (since ${already.at})`, {
      hint: '`kdr sandbox heal` undoes every injected scenario',
    });
  const component = target(name);
  const rec = component ? state.processes[component] : undefined;
  if (component && (!rec || !pidAlive(rec.pid)))
    throw new KdrError('KDR_SANDBOX_DOWN', `the sandbox's ${component} does not run: nothing to ${name}`, {
      hint: '`kdr sandbox up` starts it (or `kdr sandbox heal` after an injection)',
    });
  const injection: Injection = { scenario: name, at: new Date().toISOString() };
  switch (name) {
    case 'primary-dead':
    case 'mm2-down':
      process.kill(rec!.pid, 'SIGKILL');
      injection.pid = rec!.pid;
      // the JVM's main thread can be a zombie while other threads still hold its sockets: wait for the port too
      await waitFor(
        `${component} gone`,
        15_000,
        async () => (pidAlive(rec!.pid) || (await portOpen(portOf(layout, component!))) ? undefined : true),
        100,
      );
      break;
    case 'primary-silent':
      process.kill(rec!.pid, 'SIGSTOP');
      injection.pid = rec!.pid;
      break;
    case 'lag':
      await connect(layout).setConnectorState(SANDBOX_CONNECTORS.source, 'pause');
      await waitFor('source connector PAUSED', 30_000, async () =>
        isPaused(await connect(layout).connectorStatus(SANDBOX_CONNECTORS.source)) ? true : undefined,
      );
      break;
  }
  state.injected = [...(state.injected ?? []), injection];
  writeState(layout, state);
  return injection;
}

const connect = (layout: SandboxLayout) => new ConnectRest(`http://127.0.0.1:${layout.ports.connect}`, 5000);

/**
 * Undoes what was injected that a restart cannot: SIGCONT for a stopped broker, resume for a paused connector.
 * Dead processes are restarted by `sandboxUp` afterwards (it starts whatever does not run). Returns what it did.
 */
export async function undoInjections(layout: SandboxLayout): Promise<string[]> {
  const state = readState(layout);
  const done: string[] = [];
  for (const i of state.injected ?? []) {
    if (i.scenario === 'primary-silent' && i.pid && pidAlive(i.pid)) {
      process.kill(i.pid, 'SIGCONT');
      done.push(`primary broker (pid ${i.pid}) continued`);
    }
    if (i.scenario === 'lag') {
      await connect(layout).setConnectorState(SANDBOX_CONNECTORS.source, 'resume');
      done.push(`${SANDBOX_CONNECTORS.source} resumed`);
    }
  }
  state.injected = [];
  writeState(layout, state);
  return done;
}
