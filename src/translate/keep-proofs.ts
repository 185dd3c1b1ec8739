import type { Config, FlowConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { gatherTranslation } from './gather.js';
import type { ExactProofsPort } from './proof-store.js';

/**
 * One pass of the worker's exact proofs for a flow: every checkpointed group's position proven record by record
 * (both clusters must answer) and the proofs kept, stamped with the time the pass began (before any commit was
 * read). A pass whose source does not answer keeps what is stored: that is when it is needed.
 */
export async function proveAndKeep(config: Config, log: Logger, flow: FlowConfig, proofs: ExactProofsPort) {
  const at = Date.now();
  const report = await gatherTranslation(config, log, {
    flow,
    groups: [],
    all: true,
    from: 'auto',
    failback: false,
    exact: true,
    now: () => at,
  });
  if (!report.fromReachable) return { skipped: `${flow.source} did not answer: stored proofs kept` };
  const { kept, dropped } = await proofs.record(flow.name, at, report.groups);
  log.debug({ flow: flow.name, kept, dropped }, 'exact proofs kept');
  return { kept, dropped };
}
