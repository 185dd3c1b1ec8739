/**
 * Runs `pass` every `everyMs`, one pass at a time (a tick that finds the previous pass still running is skipped),
 * until stopped; a failed pass is handed to `onError` and tried again at the next tick. The timer does not keep the
 * process alive.
 */
export function startPeriodic(
  everyMs: number,
  pass: () => Promise<unknown>,
  onError: (err: Error) => void,
): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pass()
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
