import { KdrError } from './errors.js';

/** Races a promise against a deadline; on expiry rejects with a KdrError naming what did not answer. */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>, hint = ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KdrError('KDR_TIMEOUT', `${what} did not answer within ${ms} ms`, { hint, retriable: true }),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
