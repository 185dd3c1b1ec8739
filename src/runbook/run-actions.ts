/**
 * The run message's buttons, each the slash command of the same name, run as the person who clicked (the same
 * checks and the same audit as typing it). Shared by the view and the Slack adapter.
 */
export const RUN_ACTIONS = {
  kdr_run_pause: (run: string) => `runbook ${run} pause`,
  kdr_run_resume: (run: string) => `runbook ${run} resume`,
  kdr_run_abort: (run: string) => `abort ${run}`,
  kdr_run_skip: (run: string) => `runbook ${run} skip`,
} as const;
