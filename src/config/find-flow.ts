import { KdrError } from '../core/errors.js';
import type { Config, FlowConfig } from './load.js';

export function findFlow(config: Config, name: string): FlowConfig {
  const flow = config.flows.find((f) => f.name === name);
  if (!flow) {
    const known = config.flows.map((f) => f.name).join(', ') || '(none configured)';
    throw new KdrError('KDR_UNKNOWN_FLOW', `unknown flow "${name}"`, { hint: `known flows: ${known}` });
  }
  return flow;
}
