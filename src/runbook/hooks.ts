import { execFile } from 'node:child_process';
import type { Config } from '../config/load.js';
import { KdrError } from '../core/errors.js';

export interface HookResult {
  ok: boolean;
  /** What ran (command or webhook host), never a secret. */
  what: string;
  /** Its output (command stdout+stderr, webhook status and body), truncated and with secrets redacted. */
  output: string;
  ms: number;
}

const LIMIT = 2000;
const TIMEOUT_MS = 60_000;

/**
 * The secrets kdr holds (SASL and schema registry passwords from the config, plus any extra values the entry point
 * passes), so that hook output never carries one into the audit trail or Slack.
 */
function redactor(config: Config, extra: string[]): (s: string) => string {
  const secrets = [
    ...Object.values(config.clusters).flatMap((c) => [c.sasl?.password, c.schemaRegistry?.password]),
    ...extra,
  ].filter((v): v is string => typeof v === 'string' && v.length >= 4);
  return (s) => secrets.reduce((out, v) => out.split(v).join('[redacted]'), s);
}

/**
 * Runs a configured hook (`hooks.<name>`): a command (no shell; arguments as configured; it inherits kdr's
 * environment) or a webhook (POST with the run's facts as JSON), with a timeout. Output is captured for the audit trail, secrets redacted.
 */
export async function runHook(
  config: Config,
  name: string,
  facts: Record<string, string>,
  extraSecrets: string[] = [],
): Promise<HookResult | undefined> {
  const hook = config.hooks[name];
  if (!hook) return undefined;
  const redact = redactor(config, extraSecrets);
  const t0 = Date.now();
  if (hook.command) {
    const [cmd, ...args] = hook.command;
    return new Promise((resolve) => {
      execFile(cmd!, args, { timeout: TIMEOUT_MS }, (err, stdout, stderr) =>
        resolve({
          ok: !err,
          what: `command ${hook.command!.join(' ')}`,
          output: redact(`${stdout}${stderr}${err ? `\n${err.message}` : ''}`).slice(0, LIMIT),
          ms: Date.now() - t0,
        }),
      );
    });
  }
  const url = new URL(hook.webhook!);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hook: name, ...facts }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await res.text();
    return {
      ok: res.ok,
      what: `webhook ${url.host}${url.pathname}`,
      output: redact(`${res.status} ${body}`).slice(0, LIMIT),
      ms: Date.now() - t0,
    };
  } catch (err) {
    return {
      ok: false,
      what: `webhook ${url.host}${url.pathname}`,
      output: redact((err as Error).message),
      ms: Date.now() - t0,
    };
  }
}

export function hookFailed(name: string, r: HookResult): KdrError {
  return new KdrError('KDR_HOOK_FAILED', `hook ${name} (${r.what}) failed: ${r.output.split('\n')[0]}`, {
    hint: `check the hook; its whole output is in the audit trail`,
  });
}
